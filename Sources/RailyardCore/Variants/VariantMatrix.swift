/// What a distribution expects of a release's matrix, from its catalog: the extra variant keys,
/// the cells every RC must cover, and the cells each package may skip, with the reason.
package struct VariantRules: Sendable, Equatable, Codable {
    /// Package names whose pinned value is a variant key besides python and the flavour.
    package var keys: [String]
    /// The cells the core's RC must have a build for, per subdir.
    package var expected: [ExpectedCells]
    /// Per package: the cells it is exempt from, each with its reason.
    package var exemptions: [String: [Exemption]]

    package init(keys: [String] = [], expected: [ExpectedCells] = [], exemptions: [String: [Exemption]] = [:]) {
        self.keys = keys
        self.expected = expected
        self.exemptions = exemptions
    }

    /// The exemption of `package` that names `variant`, if any.
    package func exemption(of package: String, for variant: Variant) -> Exemption? {
        exemptions[package]?.first { variant.matches(selector: $0.cells) }
    }
}

/// The cells expected in one subdir: every python × every flavour (an empty list: any).
package struct ExpectedCells: Sendable, Equatable, Codable {
    package var subdir: String
    package var python: [String]
    package var flavours: [String]

    package init(subdir: String, python: [String], flavours: [String]) {
        self.subdir = subdir
        self.python = python
        self.flavours = flavours
    }

    /// Every cell as a variant.
    package var cells: [Variant] {
        let pythons: [String?] = python.isEmpty ? [nil] : python
        let flavours: [String?] = self.flavours.isEmpty ? [nil] : self.flavours
        return pythons.flatMap { python in
            flavours.map { Variant(subdir: subdir, python: python, flavour: $0) }
        }
    }
}

/// A cell a package does not build, and why (`py3.12 cuda11.8`: "no CUDA 11.8 wheels of
/// torchaudio for python 3.12").
package struct Exemption: Sendable, Equatable, Codable {
    /// A selector of cells: words that each name a part (`linux-64`, `py3.12`, `cuda11.8`, `cpu`).
    package var cells: String
    package var reason: String

    package init(cells: String, reason: String) {
        self.cells = cells
        self.reason = reason
    }
}

/// The pairing of the core's builds in an RC with the builds of the members that must match
/// each of them (companions and C++/CUDA extensions): rows are the core's builds, columns the
/// members, and each cell the member's files that install with that core build, or the gap.
package struct VariantMatrix: Sendable, Equatable, Codable {
    package struct Row: Sendable, Equatable, Codable {
        package var file: String
        package var build: String
        package var variant: Variant
    }

    package struct Column: Sendable, Equatable, Codable {
        package var member: String
        package var version: String
    }

    package enum Cell: Sendable, Equatable, Codable {
        /// The member's files that install with the row's core build.
        case files([String])
        /// No file of the member installs with it, and no exemption names it.
        case missing
        /// No file, and an exemption names the cell.
        case exempt(reason: String)

        package var isMissing: Bool { self == .missing }
    }

    package var core: String
    package var coreVersion: String
    package var rows: [Row]
    package var columns: [Column]
    /// `cells[row][column]`.
    package var cells: [[Cell]]
    /// Every way the matrix falls short, each naming the package, the build and the cell.
    package var problems: [String]
    /// The expected cells the RC has no core build for.
    package var uncovered: [Variant]

    package var isComplete: Bool { problems.isEmpty }

    /// The members' records that install with `core`: conda matching both ways — the member's
    /// specs on the core admit that core build, the core's specs on the member admit the member's
    /// file — and the variant keys both pin agree.
    package static func installsTogether(
        _ member: PackageRecord, _ memberVariant: Variant, with core: PackageRecord, _ coreVariant: Variant
    ) -> Bool {
        guard memberVariant.pairs(with: coreVariant) else { return false }
        return admits(member, core) && admits(core, member)
    }

    /// Whether every spec of `record` (depends and constrains) that names `other` admits it.
    private static func admits(_ record: PackageRecord, _ other: PackageRecord) -> Bool {
        for text in record.depends + record.constrains {
            guard let spec = try? MatchSpec(text), spec.exactName == other.name else { continue }
            if !other.satisfies(spec) { return false }
        }
        return true
    }

    /// The matrix of `coreRecords` (the RC's files) against each member's files.
    ///
    /// - Parameters:
    ///   - members: the packages that must pair with every core build, with their build's
    ///     records, in the order to show them.
    ///   - rules: the catalog's keys, expected cells and exemptions.
    package static func build(
        core: String, version: String, coreRecords: [PackageRecord],
        members: [(name: String, version: String, records: [PackageRecord])], rules: VariantRules
    ) -> VariantMatrix {
        let rows = coreRecords.map { Row(file: $0.fileName, build: $0.build, variant: Variant($0, keys: rules.keys)) }
            .sorted { ($0.variant, $0.file) < ($1.variant, $1.file) }
        let coreByFile = Dictionary(coreRecords.map { ($0.fileName, $0) }, uniquingKeysWith: { first, _ in first })
        var cells = [[Cell]](repeating: [], count: rows.count)
        var problems: [String] = []
        for member in members {
            let variants = member.records.map { Variant($0, keys: rules.keys) }
            var paired = [Bool](repeating: false, count: member.records.count)
            for (rowIndex, row) in rows.enumerated() {
                let coreRecord = coreByFile[row.file]!
                var files: [String] = []
                for (index, record) in member.records.enumerated()
                where installsTogether(record, variants[index], with: coreRecord, row.variant) {
                    files.append(record.fileName)
                    paired[index] = true
                }
                if !files.isEmpty {
                    cells[rowIndex].append(.files(files.sorted()))
                } else if let exemption = rules.exemption(of: member.name, for: row.variant) {
                    cells[rowIndex].append(.exempt(reason: exemption.reason))
                } else {
                    cells[rowIndex].append(.missing)
                    problems.append(
                        "\(member.name) \(member.version): no build for \(core) \(row.build) (\(row.variant))")
                }
            }
            for (index, record) in member.records.enumerated() where !paired[index] {
                problems.append(
                    "\(member.name) \(member.version): \(record.fileName) (\(variants[index])) installs with no"
                        + " \(core) \(version) build of the RC")
            }
        }
        var uncovered: [Variant] = []
        for expected in rules.expected {
            for cell in expected.cells where !rows.contains(where: { Self.covers($0.variant, cell) }) {
                uncovered.append(cell)
                problems.append("\(core) \(version): the RC has no build for \(cell) (an expected cell)")
            }
        }
        return VariantMatrix(
            core: core, coreVersion: version, rows: rows,
            columns: members.map { Column(member: $0.name, version: $0.version) }, cells: cells,
            problems: problems, uncovered: uncovered)
    }

    /// Whether a core build of `variant` fills the expected `cell`.
    static func covers(_ variant: Variant, _ cell: Variant) -> Bool {
        guard variant.subdir == cell.subdir else { return false }
        if let python = cell.python, variant.python != python { return false }
        if let flavour = cell.flavour {
            guard let have = variant.flavour, Variant.flavoursAgree(have, flavour), have.count >= flavour.count
            else { return false }
        }
        return true
    }
}
