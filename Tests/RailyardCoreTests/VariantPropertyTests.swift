import Foundation
import PropertyBased
import RailyardCore
import Testing

/// No promotion leaves a core build of the train without an installable companion build, unless
/// that cell is exempt: over random subsets of the real torchvision and torchaudio 2.1.0 builds
/// and random exemptions, judged against an oracle that pairs builds by the pytorch channel's own
/// naming (`py3.11_cuda12.1_cudnn8.9.2_0` ↔ `py311_cu121`), not by the specs the check reads.
@Suite("Variants: properties over random matrices of real builds")
struct VariantPropertyTests {
    static let catalogText = TestCatalogs.yaml([
        ("pytorch", "2.0.1", []),
        ("torchvision", "0.15.2", ["companion: true", "abi: true", "depends: [\"pytorch 2.0.1\"]"]),
        ("torchaudio", "2.0.2", ["companion: true", "abi: true", "depends: [\"pytorch 2.0.1\"]"]),
    ])
    static let core = RealPytorchRecords.records("pytorch").sorted { $0.fileName < $1.fileName }
    static let companions = ["torchvision", "torchaudio"]

    /// The companion build string the channel pairs with a core build: py3.11_cuda12.1_… → py311_cu121.
    static func pairedBuild(_ core: String) -> String {
        let parts = core.split(separator: "_")
        let python = parts[0].replacingOccurrences(of: ".", with: "")
        let flavour = parts[1] == "cpu" ? "cpu" : "cu" + parts[1].dropFirst(4).replacingOccurrences(of: ".", with: "")
        return "\(python)_\(flavour)"
    }

    /// The exemption selector that names a core build's cell: `py3.11 cuda12.1`, `py3.9 cpu`.
    static func selector(_ core: String) -> String {
        let parts = core.split(separator: "_")
        return "\(parts[0]) \(parts[1])"
    }

    struct Shape: Sendable, CustomStringConvertible {
        /// Per companion, per core build (in `core` order): whether its paired build is staged.
        var present: [[Bool]]
        /// Per companion, per core build: whether the catalog exempts that cell.
        var exempt: [[Bool]]
        var description: String { "present \(present) exempt \(exempt)" }
    }

    static var shapes: Generator<Shape, some SendableSequenceType> {
        zip(
            Gen.bool(0.85).array(of: 12).array(of: 2),
            Gen.bool(0.15).array(of: 12).array(of: 2)
        ).map { Shape(present: $0, exempt: $1) }
    }

    /// The train driven to `staged` with `shape`'s builds, every test passed, RC 1 final; and
    /// its staging label.
    static func staged(_ shape: Shape) throws -> (Train, LabelRecords) {
        var text = catalogText
        for (index, name) in companions.enumerated() {
            let exempt = core.indices.filter { shape.exempt[index][$0] }.map {
                "      - {cells: \"\(selector(core[$0].build))\", reason: \"not built\"}"
            }
            guard !exempt.isEmpty else { continue }
            text = text.replacingOccurrences(
                of: "  \(name):\n", with: "  \(name):\n    exempt:\n" + exempt.joined(separator: "\n") + "\n")
        }
        var script = try TrainScript(catalogText: text, version: "2.1.0")
        var label: LabelRecords = [:]
        func put(_ records: [PackageRecord]) -> [Artifact] {
            for record in records { label[record.subdir, default: [:]][record.fileName] = record }
            return records.map { Artifact($0) }
        }
        try script.must(.registerRC(number: 1, artifacts: put(core)))
        try script.must(.advance)
        try script.must(.advance)
        for (index, name) in companions.enumerated() {
            let wanted = Set(core.indices.filter { shape.present[index][$0] }.map { pairedBuild(core[$0].build) })
            let records = RealPytorchRecords.records(name).filter { wanted.contains($0.build) }
            try script.must(
                .registerBuild(
                    member: name, version: try Version(records.first?.version ?? "0.16.0"), depends: ["pytorch 2.1.0"],
                    artifacts: put(records)),
                by: TrainScript.team)
            try script.pass(name)
        }
        try script.must(.advance)
        try script.must(.advance)
        try script.must(.reportIntegration(rc: 1, passed: true, log: nil), by: TrainScript.runner)
        try script.must(.markFinal(rc: 1))
        return (script.train, label)
    }

    @Test("a promotion that may go pairs every core build with each companion, or the cell is exempt")
    func noCoreBuildLeftAlone() async {
        await propertyCheck(count: 60, input: Self.shapes) { shape in
            let (train, label) = try Self.staged(shape)
            #expect(train.stage == .staged)
            let plan = train.promotionPlan(main: [:], staged: label)
            let covered = Self.companions.indices.allSatisfy { index in
                Self.core.indices.allSatisfy { shape.present[index][$0] || shape.exempt[index][$0] }
            }
            if plan.ok { #expect(covered, "a promotion may go with a core build left without its companion") }
            let everyMemberHasFiles = shape.present.allSatisfy { $0.contains(true) }
            if covered && everyMemberHasFiles { #expect(plan.ok, "\(plan.failing)") }
            // Each gap the oracle sees is named, by core build and companion.
            for (index, name) in Self.companions.enumerated() {
                for (position, record) in Self.core.enumerated()
                where !shape.present[index][position] && !shape.exempt[index][position] {
                    #expect(plan.matrix.problems.contains { $0.hasPrefix(name) && $0.contains(record.build) })
                }
            }
        }
    }
}
