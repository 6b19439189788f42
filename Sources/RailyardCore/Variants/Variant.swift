/// The variant a package file was built for, read from its record: the subdir, the python minor
/// it pins, its CUDA/CPU flavour, and the values it pins of the catalog's own variant keys.
///
/// The defaults fit the pytorch channel with no configuration: `python >=3.11,<3.12.0a0` pins
/// python 3.11; `pytorch-cuda >=12.1,<12.2` (or `12.1.*`, or conda-forge's `cuda-version`)
/// pins cuda 12.1; `pytorch-mutex 1.0 cpu` pins the CPU flavour. A record that pins nothing
/// (a pure-python package, `python >=3.8`) has no value for that key and pairs with any.
package struct Variant: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    package var subdir: String
    /// The python minor it pins (`3.11`), or nil.
    package var python: String?
    /// `cpu`, `cuda12.1`, `cuda12` (a major only), `cuda` (CUDA of no known version), or nil.
    package var flavour: String?
    /// The catalog's extra keys it pins: package name → the minor or value it pins.
    package var keys: [String: String]

    package init(subdir: String, python: String? = nil, flavour: String? = nil, keys: [String: String] = [:]) {
        self.subdir = subdir
        self.python = python
        self.flavour = flavour
        self.keys = keys
    }

    /// The variant `record` was built for, reading `keys` besides python and the flavour.
    package init(_ record: PackageRecord, keys extraKeys: [String] = []) {
        var python: String? = nil
        var cudaPin: String? = nil
        var mutex: String? = nil
        var keys: [String: String] = [:]
        for text in record.depends {
            guard let spec = try? MatchSpec(text), let name = spec.exactName else { continue }
            switch name {
            case "python":
                python = spec.version.flatMap { Self.pinnedMinor(of: $0, majors: 2...3, majorAlone: false) }
            case "pytorch-cuda", "cuda-version":
                if let pin = spec.version.flatMap({ Self.pinnedMinor(of: $0, majors: 9...15) }) {
                    cudaPin = "cuda" + pin
                }
            case "pytorch-mutex":
                if case .exact(let build)? = spec.build { mutex = build }
            case "cpuonly":
                mutex = "cpu"
            default:
                if extraKeys.contains(name), let version = spec.version {
                    keys[name] = Self.pinnedMinor(of: version, majors: 0...30) ?? version.description
                }
            }
        }
        var flavour: String? = cudaPin ?? mutex.map { $0 == "cuda" ? "cuda" : $0 }
        switch record.name {
        case "pytorch-cuda":
            let numbers = record.version.split(separator: ".").prefix(2)
            flavour = "cuda" + numbers.joined(separator: ".")
        case "pytorch-mutex":
            flavour = record.build.split(separator: "_").first.map(String.init)
        case "cpuonly":
            flavour = "cpu"
        default:
            break
        }
        self.init(subdir: record.subdir, python: python, flavour: flavour, keys: keys)
    }

    /// The one `MAJOR.MINOR` that `spec` admits among `majors` × minors 0–40 (`>=3.11,<3.12.0a0`,
    /// `3.11.*`); with `majorAlone`, a major alone when it admits several minors of one major
    /// (`>=12.6,<13` → `12`); nil when it admits several majors or none.
    static func pinnedMinor(of spec: VersionSpec, majors: ClosedRange<Int>, majorAlone: Bool = true) -> String? {
        let probes: [Probe]
        switch majors {
        case 2...3: probes = Self.pythonProbes
        case 9...15: probes = Self.cudaProbes
        default: probes = Self.genericProbes
        }
        var admitted: [(Int, Int)] = []
        for probe in probes where probe.versions.contains(where: spec.matches) {
            admitted.append((probe.major, probe.minor))
        }
        guard let first = admitted.first else { return nil }
        if admitted.count == 1 { return "\(first.0).\(first.1)" }
        return majorAlone && admitted.allSatisfy({ $0.0 == first.0 }) ? "\(first.0)" : nil
    }

    /// A `MAJOR.MINOR` with the versions that stand for it (`X.Y`, `X.Y.5`, `X.Y.99`), parsed once.
    struct Probe: Sendable {
        var major: Int
        var minor: Int
        var versions: [Version]
    }

    static func probes(_ majors: ClosedRange<Int>) -> [Probe] {
        majors.flatMap { major in
            (0...40).map { minor in
                Probe(
                    major: major, minor: minor,
                    versions: ["\(major).\(minor)", "\(major).\(minor).5", "\(major).\(minor).99"].map {
                        try! Version($0)
                    })
            }
        }
    }

    static let pythonProbes = probes(2...3)
    static let cudaProbes = probes(9...15)
    static let genericProbes = probes(0...30)

    /// Whether a file of this variant and one of `other` can be installed together: the same
    /// subdir (or one is `noarch`), and every key both pin agrees (`cuda12` agrees with `cuda12.1`,
    /// `cuda` with every CUDA).
    package func pairs(with other: Variant) -> Bool {
        guard subdir == other.subdir || subdir == "noarch" || other.subdir == "noarch" else { return false }
        if let mine = python, let theirs = other.python, mine != theirs { return false }
        if let mine = flavour, let theirs = other.flavour, !Self.flavoursAgree(mine, theirs) { return false }
        for (key, value) in keys {
            if let theirs = other.keys[key], theirs != value { return false }
        }
        return true
    }

    static func flavoursAgree(_ left: String, _ right: String) -> Bool {
        if left == right { return true }
        guard left.hasPrefix("cuda"), right.hasPrefix("cuda") else { return false }
        let (short, long) = left.count <= right.count ? (left, right) : (right, left)
        return short == "cuda" || long.hasPrefix(short + ".")
    }

    /// The CUDA version it pins (`12.1`), or nil for CPU and unpinned builds.
    package var cuda: String? {
        guard let flavour, flavour.hasPrefix("cuda"), flavour.count > 4 else { return nil }
        return String(flavour.dropFirst(4))
    }

    /// The cell's name without the subdir, as a runner pool selects it: `py3.11_cuda12.1`,
    /// `py3.11_cpu`, `cpu`, `any`.
    package var cell: String {
        var parts: [String] = []
        if let python { parts.append("py" + python) }
        if let flavour { parts.append(flavour) }
        for key in keys.keys.sorted() { parts.append("\(key)\(keys[key]!)") }
        return parts.isEmpty ? "any" : parts.joined(separator: "_")
    }

    /// The cell with its subdir, as reports and claims name it: `linux-64/py3.11_cuda12.1`.
    package var key: String { "\(subdir)/\(cell)" }

    /// `linux-64, python 3.11, cuda 12.1`.
    package var description: String {
        var parts = [subdir]
        if let python { parts.append("python \(python)") }
        if let cuda { parts.append("cuda \(cuda)") } else if let flavour { parts.append(flavour) }
        for key in keys.keys.sorted() { parts.append("\(key) \(keys[key]!)") }
        return parts.joined(separator: ", ")
    }

    /// Whether `selector` (`cuda12.1`, `py3.11`, `cpu`, `linux-64`, `py3.11_cuda12.1`, or
    /// several of these separated by spaces or slashes) names this variant: every word must
    /// name one of its parts.
    package func matches(selector: String) -> Bool {
        let words = selector.split(whereSeparator: { $0 == " " || $0 == "/" }).map(String.init)
        guard !words.isEmpty else { return true }
        var parts: Set<String> = [subdir, cell, key]
        if let python { parts.insert("py" + python) }
        if let flavour { parts.insert(flavour) }
        for (key, value) in keys { parts.insert("\(key)\(value)") }
        return words.allSatisfy { word in
            word == "*" || parts.contains(word)
                || (word.hasPrefix("cuda")
                    && flavour.map { Self.flavoursAgree($0, word) && $0.count >= word.count } ?? false)
        }
    }

    package static func < (left: Variant, right: Variant) -> Bool {
        (left.subdir, left.pythonOrder, left.flavour ?? "", left.cell) < (
            right.subdir, right.pythonOrder, right.flavour ?? "", right.cell
        )
    }

    /// Python minors in numeric order (3.9 before 3.10).
    private var pythonOrder: Int {
        guard let python else { return -1 }
        let numbers = python.split(separator: ".").compactMap { Int($0) }
        return (numbers.first ?? 0) * 1000 + (numbers.dropFirst().first ?? 0)
    }
}
