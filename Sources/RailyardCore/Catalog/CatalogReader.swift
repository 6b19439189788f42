/// Reads a catalog document, collecting every problem with its place rather than stopping at the
/// first: unknown or missing fields, values of the wrong kind, invalid versions and specs,
/// maintainers without a contact, a core that is not a package, and dependency cycles.
package struct CatalogReader {
    private var diagnostics: [CatalogDiagnostic] = []
    /// Every package key written, valid or not, so one broken package does not also make the
    /// core "missing".
    private var declaredPackages = Set<String>()
    /// Specs already parsed: a catalog repeats the same pins many times.
    private var parsedSpecs: [String: Result<MatchSpec, MatchSpecError>] = [:]
    /// Each package's exemptions, as its `exempt:` field lists them.
    private var exemptions: [String: [Exemption]] = [:]

    static let topLevelFields = [
        "distribution", "channel", "core", "subdirs", "release_managers", "policy", "contacts", "packages",
        "lockstep", "variants", "solver",
    ]
    static let solverFields = ["on_unavailable", "solve_with", "install_checks"]
    static let installCheckFields = ["subdir", "specs"]
    static let packageFields = ["version", "companion", "abi", "support", "depends", "maintainers", "test", "exempt"]
    static let variantFields = ["keys", "cells"]
    static let cellFields = ["python", "flavours"]
    static let exemptionFields = ["cells", "reason"]
    static let policyFields = ["ack_deadline", "reminder_every", "escalate_after", "on_deadline", "retire_after"]
    static let contactFields = ["email", "webhook", "secret_env"]
    static let defaultSubdirs = ["linux-64", "noarch"]

    /// Reads `root`, or throws every problem found.
    package static func read(_ root: DocumentNode) throws(CatalogError) -> Catalog {
        var reader = CatalogReader()
        let catalog = reader.catalog(from: root)
        guard reader.diagnostics.isEmpty, let catalog else {
            throw CatalogError(reader.diagnostics)
        }
        return catalog
    }

    private mutating func report(_ position: SourcePosition, _ message: String) {
        diagnostics.append(CatalogDiagnostic(position, message))
    }

    private mutating func catalog(from root: DocumentNode) -> Catalog? {
        guard case .mapping(let top) = root else {
            report(root.position, "a catalog is a mapping with distribution, channel, core, packages, ...")
            return nil
        }
        let fields = fieldMap(top, allowed: Self.topLevelFields, context: "the catalog")

        let distribution = requiredString(fields, "distribution", in: top)
        let channel = requiredString(fields, "channel", in: top)
        var core: String? = nil
        if let node = fields["core"] {
            switch node {
            case .sequence(let items, let position) where items.count > 1:
                report(position, "more than one core: core names the one package whose releases make trains")
            default:
                core = string(node, field: "core")
            }
        } else {
            report(top.position, "missing field 'core' (the package whose releases make trains, e.g. pytorch)")
        }

        var subdirs = Self.defaultSubdirs
        if let node = fields["subdirs"], let values = stringList(node, field: "subdirs") {
            var seen = Set<String>()
            for (value, position) in values {
                if !Subdir.known.contains(value) {
                    report(
                        position, "unknown subdir '\(value)' (known: \(Subdir.known.sorted().joined(separator: ", ")))")
                } else if !seen.insert(value).inserted {
                    report(position, "subdir '\(value)' is listed twice")
                }
            }
            subdirs = values.map(\.0)
        }

        var releaseManagers: [(String, SourcePosition)] = []
        if let node = fields["release_managers"] {
            releaseManagers = stringList(node, field: "release_managers") ?? []
            if releaseManagers.isEmpty, case .sequence = node {
                report(node.position, "release_managers names at least one person")
            }
        } else {
            report(top.position, "missing field 'release_managers'")
        }

        let policy = fields["policy"].map { readPolicy($0) } ?? Policy.defaults
        let contacts = fields["contacts"].map { readContacts($0) } ?? []
        let contactNames = Set(contacts.map(\.name))
        for (name, position) in releaseManagers where !contactNames.contains(name) {
            report(position, "release manager '\(name)' has no entry in contacts")
        }

        var packages: [CatalogPackage] = []
        if let node = fields["packages"] {
            packages = readPackages(node, contacts: contactNames)
        } else {
            report(top.position, "missing field 'packages'")
        }

        var packageIndex: [String: Int] = [:]
        packageIndex.reserveCapacity(packages.count)
        for (position, package) in packages.enumerated() { packageIndex[package.name] = position }
        if let core, !declaredPackages.contains(core), let node = fields["core"] {
            report(node.position, "core '\(core)' is not one of the packages")
        }
        if let core, let corePackage = packages.first(where: { $0.name == core }) {
            if corePackage.isCompanion {
                report(corePackage.position, "the core '\(core)' cannot also be a companion")
            }
        }
        for package in packages where package.isCompanion && package.name != core {
            if let core, !package.depends.contains(where: { $0.name == core }) {
                report(
                    package.position, "companion '\(package.name)' must depend on the core '\(core)' (its lockstep pin)"
                )
            }
        }
        for package in packages {
            for dependency in package.depends where dependency.name == package.name {
                report(dependency.position, "'\(package.name)' depends on itself")
            }
            if package.isSupport && (package.isCompanion || package.name == core) {
                report(
                    package.position,
                    "'\(package.name)' cannot be a support package and \(package.name == core ? "the core" : "a companion")"
                        + " (support: packages the core's builds need beside it, such as pytorch-cuda)")
            }
        }
        let lockstep = fields["lockstep"].map { readLockstep($0, packages: packageIndex, core: core) } ?? []
        for group in lockstep where core.map(group.contains) ?? false {
            for name in group where name != core {
                if let package = packageIndex[name].map({ packages[$0] }), !package.isCompanion {
                    report(
                        package.position,
                        "'\(name)' is in a lockstep group with the core '\(core!)': mark it companion: true")
                }
            }
        }
        let solving = fields["solver"].map { readSolver($0, subdirs: subdirs) }
        var variants = fields["variants"].map { readVariants($0, subdirs: subdirs) } ?? VariantRules()
        variants.exemptions = exemptions
        let graph = DependencyGraph(
            packages: packages, index: packageIndex,
            groups: DependencyGraph.groups(lockstep, index: packageIndex, core: core.flatMap { packageIndex[$0] }))
        reportCycles(packages, graph: graph)

        guard let distribution, let channel, let core else { return nil }
        return Catalog(
            distribution: distribution,
            channel: channel,
            core: core,
            subdirs: subdirs,
            releaseManagers: releaseManagers.map(\.0),
            policy: policy,
            contacts: contacts,
            packages: packages,
            lockstep: lockstep,
            variants: variants,
            solving: solving,
            index: packageIndex,
            graph: graph
        )
    }

    /// `lockstep: [[pytorch, torchtriton]]`: groups of packages released as one.
    private mutating func readLockstep(
        _ node: DocumentNode, packages: [String: Int], core: String?
    ) -> [[String]] {
        guard case .sequence(let items, _) = node else {
            report(node.position, "lockstep is a list of groups, each a list of packages: [[pytorch, torchtriton]]")
            return []
        }
        var groups: [[String]] = []
        var grouped = Set<String>()
        for item in items {
            guard let names = stringList(item, field: "lockstep") else { continue }
            if names.count < 2 {
                report(item.position, "a lockstep group names at least two packages")
                continue
            }
            for (name, position) in names {
                if packages[name] == nil && !declaredPackages.contains(name) {
                    report(position, "lockstep: '\(name)' is not one of the packages")
                } else if !grouped.insert(name).inserted {
                    report(position, "lockstep: '\(name)' is in more than one group")
                }
            }
            groups.append(names.map(\.0))
        }
        return groups
    }

    /// `solver: {on_unavailable: fail-closed, solve_with: [URL or folder], install_checks:
    /// [{subdir: linux-64, specs: "pytorch torchvision python=3.11 pytorch-cuda=12.1"}]}`.
    private mutating func readSolver(_ node: DocumentNode, subdirs: [String]) -> SolvingRules {
        guard case .mapping(let mapping) = node else {
            report(node.position, "solver is a mapping with on_unavailable, solve_with and install_checks")
            return SolvingRules()
        }
        let fields = fieldMap(mapping, allowed: Self.solverFields, context: "solver")
        var rules = SolvingRules()
        if let node = fields["on_unavailable"], let text = string(node, field: "solver.on_unavailable") {
            if let value = SolvingRules.OnUnavailable(rawValue: text) {
                rules.onUnavailable = value
            } else {
                report(node.position, "solver.on_unavailable '\(text)' must be fail-closed or fail-open")
            }
        }
        if let node = fields["solve_with"], let list = stringList(node, field: "solver.solve_with") {
            rules.solveWith = list.map(\.0)
        }
        if let node = fields["install_checks"] {
            guard case .sequence(let items, _) = node else {
                report(node.position, "solver.install_checks is a list of {subdir: ..., specs: \"...\"}")
                return rules
            }
            for item in items {
                guard case .mapping(let entry) = item else {
                    report(item.position, "solver.install_checks: each entry is {subdir: ..., specs: \"...\"}")
                    continue
                }
                let entryFields = fieldMap(entry, allowed: Self.installCheckFields, context: "solver.install_checks")
                let subdir = entryFields["subdir"].flatMap { string($0, field: "solver.install_checks.subdir") }
                let specs = entryFields["specs"].flatMap { string($0, field: "solver.install_checks.specs") }
                guard let subdir, let specs else {
                    report(item.position, "solver.install_checks: each entry names its subdir and its specs")
                    continue
                }
                if !subdirs.contains(subdir) {
                    report(item.position, "solver.install_checks: '\(subdir)' is not one of the catalog's subdirs")
                    continue
                }
                let words = specs.split(whereSeparator: \.isWhitespace).map(String.init)
                var valid = !words.isEmpty
                for word in words {
                    do {
                        _ = try MatchSpec(word)
                    } catch {
                        report(item.position, "solver.install_checks: '\(word)': \(error)")
                        valid = false
                    }
                }
                if valid { rules.installChecks.append(InstallCheck(subdir: subdir, specs: words)) }
            }
        }
        return rules
    }

    /// `variants: {keys: [...], cells: {SUBDIR: {python: [...], flavours: [...]}}}`.
    private mutating func readVariants(_ node: DocumentNode, subdirs: [String]) -> VariantRules {
        guard case .mapping(let mapping) = node else {
            report(node.position, "variants is a mapping with keys and cells")
            return VariantRules()
        }
        let fields = fieldMap(mapping, allowed: Self.variantFields, context: "variants")
        var rules = VariantRules()
        if let node = fields["keys"], let keys = stringList(node, field: "variants.keys") {
            rules.keys = keys.map(\.0)
        }
        guard let cellsNode = fields["cells"] else { return rules }
        guard case .mapping(let cells) = cellsNode else {
            report(cellsNode.position, "variants.cells maps a subdir to its python and flavours lists")
            return rules
        }
        for (key, value) in cells.entries {
            if !subdirs.contains(key.text) {
                report(key.position, "variants.cells: '\(key.text)' is not one of the catalog's subdirs")
                continue
            }
            guard case .mapping(let entry) = value else {
                report(value.position, "variants.cells.\(key.text) is a mapping with python and flavours")
                continue
            }
            let cellFields = fieldMap(entry, allowed: Self.cellFields, context: "variants.cells.\(key.text)")
            let python = cellFields["python"].flatMap { stringList($0, field: "variants.cells.\(key.text).python") }
            let flavours = cellFields["flavours"].flatMap {
                stringList($0, field: "variants.cells.\(key.text).flavours")
            }
            for (value, position) in python ?? [] where !Self.isMinor(value) {
                report(position, "python '\(value)' is not a MAJOR.MINOR version (quote it: \"3.10\")")
            }
            for (value, position) in flavours ?? [] where !Self.isFlavour(value) {
                report(position, "flavour '\(value)' is not cpu, cuda or cudaMAJOR[.MINOR] (cuda12.1)")
            }
            rules.expected.append(
                ExpectedCells(subdir: key.text, python: (python ?? []).map(\.0), flavours: (flavours ?? []).map(\.0)))
        }
        return rules
    }

    private static func isMinor(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && Int($0) != nil }
    }

    private static func isFlavour(_ text: String) -> Bool {
        if text == "cpu" || text == "cuda" { return true }
        guard text.hasPrefix("cuda") else { return false }
        let version = text.dropFirst(4)
        return version.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
            !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber }
        } && version.split(separator: ".").count <= 2
    }

    /// `exempt: [{cells: "py3.12 cuda11.8", reason: "..."}]`.
    private mutating func readExemptions(_ node: DocumentNode, package name: String) -> [Exemption] {
        guard case .sequence(let items, _) = node else {
            report(node.position, "\(name).exempt is a list of {cells: \"py3.12 cuda11.8\", reason: \"...\"}")
            return []
        }
        var result: [Exemption] = []
        for item in items {
            guard case .mapping(let mapping) = item else {
                report(item.position, "\(name).exempt: each entry is {cells: ..., reason: ...}")
                continue
            }
            let fields = fieldMap(mapping, allowed: Self.exemptionFields, context: "\(name).exempt")
            let cells = fields["cells"].flatMap { string($0, field: "\(name).exempt.cells") }
            let reason = fields["reason"].flatMap { string($0, field: "\(name).exempt.reason") }
            guard let cells, let reason, !reason.isEmpty else {
                report(item.position, "\(name).exempt: each entry names its cells and a reason")
                continue
            }
            result.append(Exemption(cells: cells, reason: reason))
        }
        return result
    }

    // MARK: - Sections

    private mutating func readPolicy(_ node: DocumentNode) -> Policy {
        guard case .mapping(let mapping) = node else {
            report(node.position, "policy is a mapping of ack_deadline, reminder_every, escalate_after, ...")
            return .defaults
        }
        let fields = fieldMap(mapping, allowed: Self.policyFields, context: "policy")
        var policy = Policy.defaults
        func duration(_ name: String, _ keyPath: WritableKeyPath<Policy, PolicyDuration>, _ reader: inout CatalogReader)
        {
            guard let node = fields[name], let text = reader.string(node, field: "policy.\(name)") else { return }
            if let value = PolicyDuration(text) {
                policy[keyPath: keyPath] = value
            } else {
                reader.report(
                    node.position, "policy.\(name) '\(text)' is not a duration: write Nd, Nh or Nm (7d, 12h, 30m)")
            }
        }
        duration("ack_deadline", \.ackDeadline, &self)
        duration("reminder_every", \.reminderEvery, &self)
        duration("escalate_after", \.escalateAfter, &self)
        duration("retire_after", \.retireAfter, &self)
        if let node = fields["on_deadline"], let text = string(node, field: "policy.on_deadline") {
            if let value = Policy.OnDeadline(rawValue: text) {
                policy.onDeadline = value
            } else {
                report(node.position, "policy.on_deadline '\(text)' must be escalate or exclude")
            }
        }
        return policy
    }

    private mutating func readContacts(_ node: DocumentNode) -> [Contact] {
        guard case .mapping(let mapping) = node else {
            report(node.position, "contacts is a mapping from a person or team to how to reach them")
            return []
        }
        var contacts: [Contact] = []
        var seen = Set<String>()
        for (key, value) in mapping.entries {
            guard seen.insert(key.text).inserted else {
                report(key.position, "duplicate key '\(key.text)' in contacts")
                continue
            }
            guard case .mapping(let routes) = value else {
                report(value.position, "contact '\(key.text)' is a mapping with email, webhook or secret_env")
                continue
            }
            let fields = fieldMap(routes, allowed: Self.contactFields, context: "contact '\(key.text)'")
            var contact = Contact(name: key.text)
            if let node = fields["email"], let email = string(node, field: "email") {
                if email.contains("@") && !email.contains(where: \.isWhitespace) {
                    contact.email = email
                } else {
                    report(node.position, "'\(email)' is not an e-mail address")
                }
            }
            if let node = fields["webhook"], let url = string(node, field: "webhook") {
                if url.hasPrefix("https://") || url.hasPrefix("http://") {
                    contact.webhook = url
                } else {
                    report(node.position, "webhook '\(url)' is not an http(s) URL")
                }
            }
            if let node = fields["secret_env"], let name = string(node, field: "secret_env") {
                contact.secretEnvironmentVariable = name
                if fields["webhook"] == nil {
                    report(node.position, "secret_env signs webhook deliveries; contact '\(key.text)' has no webhook")
                }
            }
            if fields["email"] == nil && fields["webhook"] == nil {
                report(key.position, "contact '\(key.text)' has neither an email nor a webhook")
            }
            contacts.append(contact)
        }
        return contacts
    }

    private mutating func readPackages(_ node: DocumentNode, contacts: Set<String>) -> [CatalogPackage] {
        guard case .mapping(let mapping) = node else {
            report(node.position, "packages is a mapping from package name to its fields")
            return []
        }
        var packages: [CatalogPackage] = []
        var seen = Set<String>()
        for (key, value) in mapping.entries {
            guard seen.insert(key.text).inserted else {
                report(key.position, "duplicate key '\(key.text)' in packages")
                continue
            }
            declaredPackages.insert(key.text)
            if !MatchSpecParser.isPackageName(key.text) {
                report(key.position, "'\(key.text)' is not a conda package name (lower-case letters, digits, . _ -)")
                continue
            }
            if let package = readPackage(key, value, contacts: contacts) { packages.append(package) }
        }
        return packages
    }

    private mutating func readPackage(
        _ key: DocumentScalar,
        _ value: DocumentNode,
        contacts: Set<String>
    ) -> CatalogPackage? {
        let name = key.text
        guard case .mapping(let mapping) = value else {
            report(value.position, "package '\(name)' is a mapping with version, depends, maintainers, ...")
            return nil
        }
        let fields = fieldMap(mapping, allowed: Self.packageFields, context: "package '\(name)'")
        var version: Version? = nil
        if let node = fields["version"] {
            if let text = string(node, field: "\(name).version") {
                do {
                    version = try Version(text)
                } catch {
                    report(node.position, "\(name).version: \(error)")
                }
            }
        } else {
            report(key.position, "package '\(name)' has no version")
        }
        let isCompanion = fields["companion"].flatMap { bool($0, field: "\(name).companion") } ?? false
        let isABICoupled = fields["abi"].flatMap { bool($0, field: "\(name).abi") } ?? false
        let isSupport = fields["support"].flatMap { bool($0, field: "\(name).support") } ?? false
        if let node = fields["exempt"] {
            exemptions[name] = readExemptions(node, package: name)
        }
        var depends: [CatalogDependency] = []
        if let node = fields["depends"], let specs = stringList(node, field: "\(name).depends") {
            for (text, position) in specs {
                let parsed: Result<MatchSpec, MatchSpecError>
                if let known = parsedSpecs[text] {
                    parsed = known
                } else {
                    parsed = Result { () throws(MatchSpecError) in try MatchSpec(text) }
                    parsedSpecs[text] = parsed
                }
                do {
                    let spec = try parsed.get()
                    if spec.exactName == nil {
                        report(position, "\(name).depends: '\(text)' must name one package, not a pattern")
                    } else {
                        depends.append(CatalogDependency(spec: spec, position: position))
                    }
                } catch {
                    report(position, "\(name).depends: \(error)")
                }
            }
        }
        var maintainers: [String] = []
        if let node = fields["maintainers"], let list = stringList(node, field: "\(name).maintainers") {
            for (maintainer, position) in list {
                if !contacts.contains(maintainer) {
                    report(position, "maintainer '\(maintainer)' of '\(name)' has no entry in contacts")
                }
                maintainers.append(maintainer)
            }
            if list.isEmpty { report(node.position, "package '\(name)' names no maintainer") }
        } else {
            report(key.position, "package '\(name)' has no maintainers")
        }
        let test = fields["test"].flatMap { string($0, field: "\(name).test") }
        guard let version else { return nil }
        return CatalogPackage(
            name: name,
            version: version,
            isCompanion: isCompanion,
            isABICoupled: isABICoupled,
            isSupport: isSupport,
            depends: depends,
            maintainers: maintainers,
            test: test,
            position: key.position
        )
    }

    // MARK: - Cycles

    /// Reports every dependency cycle among the catalog's packages once, naming each package on it.
    private mutating func reportCycles(_ packages: [CatalogPackage], graph: DependencyGraph) {
        for cycle in graph.cycles() {
            let names = cycle.map { packages[$0].name }
            report(
                packages[cycle[0]].position,
                "dependency cycle: \((names + [names[0]]).joined(separator: " -> "))"
            )
        }
    }

    // MARK: - Values

    /// The known fields of a mapping: a handful, so a list beats a dictionary.
    struct Fields {
        var entries: [(key: String, value: DocumentNode)] = []

        subscript(name: String) -> DocumentNode? {
            for entry in entries where entry.key == name { return entry.value }
            return nil
        }
    }

    /// The entries of a mapping by key, reporting unknown and duplicate keys.
    private mutating func fieldMap(
        _ mapping: DocumentMapping,
        allowed: [String],
        context: String
    ) -> Fields {
        var result = Fields()
        result.entries.reserveCapacity(mapping.entries.count)
        for (key, value) in mapping.entries {
            if !allowed.contains(key.text) {
                report(
                    key.position,
                    "unknown field '\(key.text)' in \(context) (expected one of: \(allowed.joined(separator: ", ")))")
            } else if result[key.text] != nil {
                report(key.position, "duplicate key '\(key.text)' in \(context)")
            } else {
                result.entries.append((key.text, value))
            }
        }
        return result
    }

    private mutating func requiredString(
        _ fields: Fields,
        _ name: String,
        in mapping: DocumentMapping
    ) -> String? {
        guard let node = fields[name] else {
            report(mapping.position, "missing field '\(name)'")
            return nil
        }
        return string(node, field: name)
    }

    private mutating func string(_ node: DocumentNode, field: String) -> String? {
        guard case .scalar(let scalar) = node else {
            report(node.position, "\(field) is \(node.kindName); expected a single value")
            return nil
        }
        if scalar.isNull {
            report(scalar.position, "\(field) has no value")
            return nil
        }
        return scalar.text
    }

    private mutating func bool(_ node: DocumentNode, field: String) -> Bool? {
        guard let text = string(node, field: field) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default:
            report(node.position, "\(field) is '\(text)'; expected true or false")
            return nil
        }
    }

    private mutating func stringList(_ node: DocumentNode, field: String) -> [(String, SourcePosition)]? {
        guard case .sequence(let items, _) = node else {
            report(node.position, "\(field) is \(node.kindName); expected a list like [a, b]")
            return nil
        }
        var values: [(String, SourcePosition)] = []
        for item in items {
            if let text = string(item, field: field) { values.append((text, item.position)) }
        }
        return values
    }
}
