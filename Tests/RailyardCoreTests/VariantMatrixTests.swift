import Foundation
import RailyardCore
import Testing

/// The variant matrix on the real torch 2.1.0 release: 12 builds of pytorch for linux-64
/// (python 3.8–3.11 × CUDA 11.8 / CUDA 12.1 / CPU) and the matching 12 of torchvision and
/// torchaudio, paired by their pins on python, pytorch-mutex and pytorch-cuda.
struct VariantMatrixTests {
    static let pytorch = RealPytorchRecords.records("pytorch")
    static let torchvision = RealPytorchRecords.records("torchvision")
    static let torchaudio = RealPytorchRecords.records("torchaudio")

    static func matrix(
        vision: [PackageRecord] = torchvision, audio: [PackageRecord] = torchaudio, core: [PackageRecord] = pytorch,
        rules: VariantRules = VariantRules()
    ) -> VariantMatrix {
        VariantMatrix.build(
            core: "pytorch", version: "2.1.0", coreRecords: core,
            members: [("torchvision", "0.16.0", vision), ("torchaudio", "2.1.0", audio)], rules: rules)
    }

    @Test(
        "a real record's variant: python from its python pin, the flavour from pytorch-cuda and the mutex",
        arguments: [
            ("pytorch-2.1.0-py3.11_cuda12.1_cudnn8.9.2_0.tar.bz2", "linux-64", "3.11", "cuda12.1"),
            ("pytorch-2.1.0-py3.8_cuda11.8_cudnn8.7.0_0.tar.bz2", "linux-64", "3.8", "cuda11.8"),
            ("pytorch-2.1.0-py3.10_cpu_0.tar.bz2", "linux-64", "3.10", "cpu"),
            ("torchvision-0.16.0-py311_cu121.tar.bz2", "linux-64", "3.11", "cuda12.1"),
            ("torchvision-0.16.0-py39_cpu.tar.bz2", "linux-64", "3.9", "cpu"),
            ("torchaudio-2.1.0-py310_cu118.tar.bz2", "linux-64", "3.10", "cuda11.8"),
            ("torchtriton-2.1.0-py311.tar.bz2", "linux-64", "3.11", nil),
            ("pytorch-cuda-12.1-ha16c6d3_5.tar.bz2", "linux-64", nil, "cuda12.1"),
            ("pytorch-cuda-11.8-h7e8668a_5.tar.bz2", "linux-64", nil, "cuda11.8"),
            ("pytorch-mutex-1.0-cpu.tar.bz2", "noarch", nil, "cpu"),
            ("pytorch-mutex-1.0-cuda.tar.bz2", "noarch", nil, "cuda"),
            ("cpuonly-2.0-0.tar.bz2", "noarch", nil, "cpu"),
        ] as [(String, String, String?, String?)]
    )
    func variantOfRealRecord(file: String, subdir: String, python: String?, flavour: String?) {
        let variant = Variant(RealPytorchRecords.record(file))
        #expect(variant == Variant(subdir: subdir, python: python, flavour: flavour))
    }

    @Test(
        "a pin's value: the one minor a spec admits, a major when it admits several of one, none otherwise",
        arguments: [
            ("python >=3.11,<3.12.0a0", "3.11", nil),
            ("python 3.12.*", "3.12", nil),
            ("python_abi 3.11.* *_cp311", nil, nil),
            ("python >=3.8", nil, nil),
            ("python", nil, nil),
            ("pytorch-cuda >=12.1,<12.2", nil, "cuda12.1"),
            ("pytorch-cuda 11.8.*", nil, "cuda11.8"),
            ("cuda-version >=12.6,<13", nil, "cuda12"),
            ("cuda-version >=11.2,<13", nil, nil),
            ("pytorch-mutex 1.0 cuda", nil, "cuda"),
            ("pytorch-mutex 1.0 cpu", nil, "cpu"),
        ] as [(String, String?, String?)]
    )
    func pinnedValue(spec: String, python: String?, flavour: String?) {
        let record = PackageRecord(
            fileName: "x-1-0.conda", name: "x", version: "1", build: "0", buildNumber: 0, depends: [spec],
            constrains: [], subdir: "linux-64", noarch: nil, license: nil, timestamp: nil, size: 1, md5: "m",
            sha256: "s")
        let variant = Variant(record)
        #expect(variant.python == python)
        #expect(variant.flavour == flavour)
    }

    @Test("the real 2.1.0 release: 12 core builds, each paired with exactly its torchvision and torchaudio build")
    func completeRelease() throws {
        let matrix = Self.matrix()
        #expect(matrix.isComplete, "\(matrix.problems)")
        #expect(matrix.rows.count == 12)
        #expect(matrix.columns.map(\.member) == ["torchvision", "torchaudio"])
        for (row, cells) in zip(matrix.rows, matrix.cells) {
            // py3.11_cuda12.1_cudnn8.9.2_0 ↔ py311_cu121; py3.9_cpu_0 ↔ py39_cpu.
            let python = row.variant.python!.replacingOccurrences(of: ".", with: "")
            let flavour =
                row.variant.flavour == "cpu" ? "cpu" : "cu" + row.variant.cuda!.replacingOccurrences(of: ".", with: "")
            #expect(cells[0] == .files(["torchvision-0.16.0-py\(python)_\(flavour).tar.bz2"]), "\(row.build)")
            #expect(cells[1] == .files(["torchaudio-2.1.0-py\(python)_\(flavour).tar.bz2"]), "\(row.build)")
        }
        // Rows in order: by python (3.8 before 3.10), then CPU before CUDA.
        #expect(matrix.rows.first?.build == "py3.8_cpu_0")
        #expect(matrix.rows.last?.build == "py3.11_cuda12.1_cudnn8.9.2_0")
    }

    @Test("torchvision without its python 3.11 / CUDA 12.1 build: the gap is named, cell and core build")
    func missingVariantIsNamed() {
        let matrix = Self.matrix(vision: Self.torchvision.filter { $0.build != "py311_cu121" })
        #expect(!matrix.isComplete)
        #expect(
            matrix.problems == [
                "torchvision 0.16.0: no build for pytorch py3.11_cuda12.1_cudnn8.9.2_0 (linux-64, python 3.11, cuda 12.1)"
            ])
        let row = matrix.rows.firstIndex { $0.build == "py3.11_cuda12.1_cudnn8.9.2_0" }!
        #expect(matrix.cells[row][0] == .missing)
        #expect(matrix.cells[row][1] == .files(["torchaudio-2.1.0-py311_cu121.tar.bz2"]))
    }

    @Test("an exemption names the cell a companion skips; the gap is then allowed, with its reason")
    func exemptionAllowsTheGap() {
        let rules = VariantRules(exemptions: [
            "torchaudio": [Exemption(cells: "py3.8 cuda11.8", reason: "no CUDA 11.8 build for python 3.8")]
        ])
        let matrix = Self.matrix(audio: Self.torchaudio.filter { $0.build != "py38_cu118" }, rules: rules)
        #expect(matrix.isComplete, "\(matrix.problems)")
        let row = matrix.rows.firstIndex { $0.build == "py3.8_cuda11.8_cudnn8.7.0_0" }!
        #expect(matrix.cells[row][1] == .exempt(reason: "no CUDA 11.8 build for python 3.8"))
        // The same exemption does not cover another cell.
        let other = Self.matrix(audio: Self.torchaudio.filter { $0.build != "py38_cu121" }, rules: rules)
        #expect(other.problems.count == 1)
    }

    @Test("a member build for a CUDA no core build has pairs with nothing: refused, not silently left out")
    func memberOfAnotherCUDA() {
        // The RC has only the CUDA 12.1 builds; torchvision brings its CUDA 11.8 ones too.
        let core = Self.pytorch.filter { $0.build.contains("cuda12.1") }
        let matrix = Self.matrix(
            vision: Self.torchvision.filter { $0.build.hasSuffix("cu121") || $0.build.hasSuffix("cu118") },
            audio: Self.torchaudio.filter { $0.build.hasSuffix("cu121") }, core: core)
        #expect(matrix.rows.count == 4)
        #expect(matrix.cells.allSatisfy { $0.allSatisfy { !$0.isMissing } })
        #expect(matrix.problems.count == 4)
        #expect(
            matrix.problems.contains(
                "torchvision 0.16.0: torchvision-0.16.0-py311_cu118.tar.bz2 (linux-64, python 3.11, cuda 11.8) installs"
                    + " with no pytorch 2.1.0 build of the RC"))
    }

    @Test("a torchvision build that pins another torch, or the wrong mutex, pairs with no core build")
    func pinsJudgedBothWays() {
        var wrongTorch = RealPytorchRecords.record("torchvision-0.16.0-py311_cu121.tar.bz2")
        wrongTorch.depends = wrongTorch.depends.map { $0 == "pytorch 2.1.0" ? "pytorch 2.0.1" : $0 }
        var wrongMutex = RealPytorchRecords.record("torchvision-0.16.0-py310_cu121.tar.bz2")
        wrongMutex.depends = wrongMutex.depends.filter { !$0.hasPrefix("pytorch-cuda") }
            .map { $0 == "pytorch-mutex 1.0 cuda" ? "pytorch-mutex 1.0 cpu" : $0 }
        let vision =
            Self.torchvision.filter { $0.build != "py311_cu121" && $0.build != "py310_cu121" } + [
                wrongTorch, wrongMutex,
            ]
        let matrix = Self.matrix(vision: vision)
        #expect(
            Set(matrix.problems.filter { $0.contains("no build for") }) == [
                "torchvision 0.16.0: no build for pytorch py3.11_cuda12.1_cudnn8.9.2_0 (linux-64, python 3.11, cuda 12.1)",
                "torchvision 0.16.0: no build for pytorch py3.10_cuda12.1_cudnn8.9.2_0 (linux-64, python 3.10, cuda 12.1)",
            ])
        // The core's own pin is judged too: pytorch's CUDA builds pin torchtriton 2.1.0.
        let triton = RealPytorchRecords.records("torchtriton")
        let cuda = RealPytorchRecords.record("pytorch-2.1.0-py3.11_cuda12.1_cudnn8.9.2_0.tar.bz2")
        var oldTriton = triton.first { $0.build == "py311" && $0.version == "2.1.0" }!
        #expect(VariantMatrix.installsTogether(oldTriton, Variant(oldTriton), with: cuda, Variant(cuda)))
        oldTriton.version = "2.0.0"
        #expect(!VariantMatrix.installsTogether(oldTriton, Variant(oldTriton), with: cuda, Variant(cuda)))
    }

    @Test("the RC must cover the catalog's expected cells: a python 3.12 expected and absent is named")
    func expectedCells() {
        let rules = VariantRules(expected: [
            ExpectedCells(
                subdir: "linux-64", python: ["3.8", "3.9", "3.10", "3.11"], flavours: ["cpu", "cuda11.8", "cuda12.1"])
        ])
        #expect(Self.matrix(rules: rules).isComplete)
        let wider = VariantRules(expected: [
            ExpectedCells(subdir: "linux-64", python: ["3.11", "3.12"], flavours: ["cpu", "cuda12.1"]),
            ExpectedCells(subdir: "osx-arm64", python: [], flavours: ["cpu"]),
        ])
        let matrix = Self.matrix(rules: wider)
        #expect(
            matrix.problems == [
                "pytorch 2.1.0: the RC has no build for linux-64, python 3.12, cpu (an expected cell)",
                "pytorch 2.1.0: the RC has no build for linux-64, python 3.12, cuda 12.1 (an expected cell)",
                "pytorch 2.1.0: the RC has no build for osx-arm64, cpu (an expected cell)",
            ])
    }

    @Test(
        "a selector names cells by their parts",
        arguments: [
            ("cuda12.1", true), ("cuda12", true), ("cuda", true), ("cuda11.8", false), ("py3.11", true),
            ("py3.1", false), ("linux-64 py3.11 cuda12.1", true), ("win-64", false), ("py3.11_cuda12.1", true),
            ("linux-64/cpu", false), ("*", true),
        ])
    func selectors(selector: String, matches: Bool) {
        let variant = Variant(subdir: "linux-64", python: "3.11", flavour: "cuda12.1")
        #expect(variant.matches(selector: selector) == matches)
    }
}
