/// Impact analysis: what a new core release, or a new version of any one package, means for
/// every package of the catalog. Specs are judged against final version numbers only.
package enum Planner {
    /// The plan of a train for `coreVersion` of the catalog's core.
    ///
    /// Companions not given in `companions` get a suggested version that carries the catalog's
    /// current pairing forward (torch 2.5.1 ↔ torchvision 0.20.1 suggests 0.21.0 for 2.6.0).
    package static func plan(
        _ catalog: Catalog,
        coreVersion: Version,
        companions: [String: Version] = [:]
    ) throws(PlanError) -> Plan {
        let corePackage = catalog.corePackage
        guard !coreVersion.isPreRelease else { throw .preRelease(coreVersion.description) }
        // The kind and the companions' suggestions are arithmetic on the leading numbers.
        for version in [coreVersion, corePackage.version] + companions.values.sorted()
        where !version.leadingNumbersFit {
            throw .versionComponentTooLarge(version.description)
        }
        guard coreVersion > corePackage.version else {
            throw .notNewer(current: corePackage.version.description, requested: coreVersion.description)
        }
        for name in companions.keys.sorted() {
            guard let package = catalog[name] else { throw .unknownCompanion(name) }
            guard package.isCompanion else { throw .notACompanion(name) }
        }
        let kind = TrainKind(from: corePackage.version, to: coreVersion)
        let packages = catalog.packages
        let graph = catalog.graph
        let coreIndex = catalog.index(of: catalog.core)!

        // The versions that change in this train: the core's and the companions'.
        var newVersions: [String: (version: Version, suggested: Bool)] = [catalog.core: (coreVersion, false)]
        for package in packages where package.isCompanion {
            if let given = companions[package.name] {
                newVersions[package.name] = (given, false)
            } else {
                newVersions[package.name] = (
                    suggestCompanion(package.version, core: corePackage.version, newCore: coreVersion), true
                )
            }
        }

        // Members: every package that depends on the core, directly or not, and the companions.
        var isMember = graph.dependentsClosure(of: coreIndex)
        for (index, package) in packages.enumerated()
        where (package.isCompanion || package.isSupport) && index != coreIndex {
            isMember[index] = true
        }

        let layering = try layer(graph, packages: packages, isMember: isMember, root: coreIndex)

        var members: [PlannedMember] = []
        var violations: [PlanViolation] = []
        members.reserveCapacity(layering.order.count)
        var changedByIndex = [Version?](repeating: nil, count: packages.count)
        for (name, change) in newVersions { changedByIndex[catalog.index(of: name)!] = change.version }
        for index in layering.order {
            let package = packages[index]
            var excluded: [(CatalogDependency, Version)] = []
            for (dependency, target) in zip(package.depends, graph.targets[index]) {
                if target >= 0, let changed = changedByIndex[target], !dependency.admits(changed) {
                    excluded.append((dependency, changed))
                }
            }
            let exclusions = excluded.map { "'\($0.0.spec)' excludes \($0.0.name) \($0.1)" }.joined(separator: "; ")
            let reason: MemberReason
            let why: String
            var newVersion: Version? = nil
            var suggested = false
            if package.isSupport {
                reason = .support
                why =
                    "needed beside \(catalog.core) by its builds: \(package.name) \(package.version) on main serves"
                    + " unless a new build is staged with the train"
            } else if package.isCompanion {
                reason = .companion
                let planned = newVersions[package.name]!
                newVersion = planned.version
                suggested = planned.suggested
                why =
                    "released in lockstep with \(catalog.core): \(planned.version) for \(catalog.core) \(coreVersion)"
                    + (planned.suggested
                        ? " (suggested from the pairing \(package.version) with \(corePackage.version);"
                            + " set it with --companion \(package.name)=VERSION)"
                        : "")
            } else if package.isABICoupled && (kind != .patch || !excluded.isEmpty) {
                reason = .rebuild
                why =
                    excluded.isEmpty
                    ? "C++/CUDA extension of \(catalog.core): rebuilt for every \(kind.rawValue) release"
                    : "C++/CUDA extension of \(catalog.core), and \(exclusions)"
            } else if !excluded.isEmpty {
                reason = .bump
                why = exclusions
                if kind == .patch {
                    for (dependency, version) in excluded {
                        violations.append(
                            PlanViolation(
                                package: package.name,
                                spec: dependency.spec.description,
                                message:
                                    "bugfix train \(coreVersion): '\(package.name)' needs a version bump because"
                                    + " '\(dependency.spec)' excludes \(dependency.name) \(version); a bugfix"
                                    + " release must need none"
                            )
                        )
                    }
                }
            } else {
                reason = .retest
                let direct = package.depends.filter { $0.name == catalog.core }
                if let first = direct.first {
                    why = "'\(first.spec)' admits \(catalog.core) \(coreVersion): needs a passing test only"
                } else {
                    let through = layering.parents[index].map { packages[$0].name }
                    why =
                        "depends on \(catalog.core) through \(through.joined(separator: ", ")): needs a passing test only"
                }
            }
            members.append(
                PlannedMember(
                    name: package.name,
                    reason: reason,
                    wave: layering.wave[index],
                    currentVersion: package.version,
                    newVersion: newVersion,
                    isSuggested: suggested,
                    why: why,
                    descendants: layering.descendants[index],
                    parents: layering.parents[index].map { packages[$0].name }
                )
            )
        }
        return Plan(
            core: catalog.core,
            currentVersion: corePackage.version,
            version: coreVersion,
            kind: kind,
            members: members,
            violations: violations
        )
    }

    /// The pull-request flow: which packages must be tested when `name` moves to `newVersion`
    /// (itself and everything that depends on it, in wave order), and which need a bump.
    package static func impact(_ catalog: Catalog, of name: String, to newVersion: Version) throws(PlanError) -> Impact
    {
        guard let rootIndex = catalog.index(of: name) else { throw .unknownPackage(name) }
        let packages = catalog.packages
        let graph = catalog.graph
        let isMember = graph.dependentsClosure(of: rootIndex)
        let layering = try layer(graph, packages: packages, isMember: isMember, root: rootIndex)
        var affected = [
            ImpactedPackage(
                name: name,
                wave: 0,
                currentVersion: packages[rootIndex].version,
                needsBump: false,
                why: "updated to \(newVersion)"
            )
        ]
        for index in layering.order {
            let package = packages[index]
            let excluding = package.depends.filter { $0.name == name && !$0.admits(newVersion) }
            let why: String
            if let spec = excluding.first?.spec {
                why = "'\(spec)' excludes \(name) \(newVersion): needs a version bump"
            } else if let spec = package.depends.first(where: { $0.name == name })?.spec {
                why = "'\(spec)' admits \(name) \(newVersion): needs a passing test"
            } else {
                let through = layering.parents[index].map { packages[$0].name }
                why = "depends on \(name) through \(through.joined(separator: ", ")): needs a passing test"
            }
            affected.append(
                ImpactedPackage(
                    name: package.name,
                    wave: layering.wave[index],
                    currentVersion: package.version,
                    needsBump: !excluding.isEmpty,
                    why: why
                )
            )
        }
        return Impact(
            package: name, currentVersion: packages[rootIndex].version, version: newVersion, packages: affected)
    }

    /// Carries the companion's current offset from the core forward, number by number:
    /// torchvision 0.20.1 with torch 2.5.1 becomes 0.21.0 with torch 2.6.0. Computed in 128
    /// bits from 64-bit numbers, so no sum overflows; the result is written in decimal.
    static func suggestCompanion(_ companion: Version, core: Version, newCore: Version) -> Version {
        func three(_ version: Version) -> [Int128] {
            var numbers = version.leadingNumbers.prefix(3).map { Int128($0) }
            while numbers.count < 3 { numbers.append(0) }
            return numbers
        }
        let (current, old, new) = (three(companion), three(core), three(newCore))
        var suggested = (0..<3).map { max(0, current[$0] + new[$0] - old[$0]) }
        // Below the highest number that moved, companions follow the core's numbers (2.6.0 ↔ 0.21.0).
        if let changed = (0..<3).first(where: { new[$0] != old[$0] }) {
            for index in (changed + 1)..<3 { suggested[index] = new[index] }
        }
        return Version(plainNumbers: suggested.map { String($0) }, epoch: companion.epochNumber)
    }

    // MARK: - Waves

    /// `target[i] |= source[i]` for `count` words; the rows never overlap.
    @inline(__always)
    private static func orWords(_ target: UnsafeMutablePointer<UInt64>, _ source: UnsafePointer<UInt64>, count: Int) {
        var index = 0
        while index + 4 <= count {
            let a = UnsafeRawPointer(source + index).loadUnaligned(as: SIMD4<UInt64>.self)
            let b = UnsafeRawPointer(target + index).loadUnaligned(as: SIMD4<UInt64>.self)
            UnsafeMutableRawPointer(target + index).storeBytes(of: a | b, as: SIMD4<UInt64>.self)
            index += 4
        }
        while index < count {
            target[index] |= source[index]
            index += 1
        }
    }

    struct Layering {
        /// Members in wave order; within a wave, most descendants first, then by name.
        var order: [Int]
        /// By package position: the wave (0 for the root, -1 for packages outside).
        var wave: [Int]
        /// By package position: how many members depend on it, directly or not.
        var descendants: [Int]
        /// By package position: the members (or the root) it depends on.
        var parents: [[Int]]
    }

    /// Waves by Kahn's algorithm over the members, and descendant counts by bit sets in reverse
    /// wave order.
    static func layer(
        _ graph: DependencyGraph,
        packages: [CatalogPackage],
        isMember: [Bool],
        root: Int
    ) throws(PlanError) -> Layering {
        let count = packages.count
        var wave = [Int](repeating: -1, count: count)
        var parents = [[Int]](repeating: [], count: count)
        var pending = [Int](repeating: 0, count: count)
        wave[root] = 0
        // Support packages stand next to the root: wave 1 themselves, and no wave for what needs them.
        func isAnchor(_ index: Int) -> Bool { index == root || (isMember[index] && packages[index].isSupport) }
        var memberCount = 0
        var ready: [Int] = []
        // Support members come first in the topological order, before anything that needs them.
        var supports: [Int] = []
        for index in 0..<count where isMember[index] {
            memberCount += 1
            if packages[index].isSupport {
                supports.append(index)
                continue
            }
            for dependency in graph.dependencies[index] where isMember[dependency] || dependency == root {
                parents[index].append(dependency)
                if !isAnchor(dependency) { pending[index] += 1 }
            }
            if pending[index] == 0 { ready.append(index) }
        }
        ready = supports + ready
        var topological: [Int] = []
        topological.reserveCapacity(memberCount)
        var head = 0
        while head < ready.count {
            let node = ready[head]
            head += 1
            wave[node] = 1 + (parents[node].map { isAnchor($0) ? 0 : wave[$0] }.max() ?? 0)
            topological.append(node)
            if packages[node].isSupport { continue }
            for dependent in graph.dependents[node] where isMember[dependent] {
                pending[dependent] -= 1
                if pending[dependent] == 0 { ready.append(dependent) }
            }
        }
        if topological.count < memberCount {
            let stuck = (0..<count).filter { isMember[$0] && wave[$0] < 0 }.map { packages[$0].name }
            throw .cycle(stuck.sorted())
        }

        // Descendants: a bit set of members per member, merged from the dependents up. A member's
        // descendants all come after it in topological order, so its row starts at its own word:
        // the rows form a triangle, half the memory and half the work of a square.
        var compact = [Int](repeating: -1, count: count)
        for (position, index) in topological.enumerated() { compact[index] = position }
        let words = (topological.count + 63) / 64
        var rowStart = [Int](repeating: 0, count: topological.count + 1)
        for position in 0..<topological.count {
            rowStart[position + 1] = rowStart[position] + (words - position / 64)
        }
        var bits = [UInt64](repeating: 0, count: rowStart[topological.count])
        var descendants = [Int](repeating: 0, count: count)
        bits.withUnsafeMutableBufferPointer { bits in
            for index in topological.reversed() {
                let position = compact[index]
                let row = rowStart[position] - position / 64  // so that row + word addresses word `word`
                for dependent in graph.dependents[index] where isMember[dependent] {
                    let other = compact[dependent]
                    if descendants[dependent] > 0 {
                        let first = other / 64
                        let target = bits.baseAddress! + row + first
                        let source = UnsafePointer(bits.baseAddress! + rowStart[other])
                        Self.orWords(target, source, count: words - first)
                    }
                    bits[row + other / 64] |= 1 << UInt64(other % 64)
                }
                var total = 0
                for word in (position / 64)..<words { total += bits[row + word].nonzeroBitCount }
                descendants[index] = total
            }
        }
        let order = topological.sorted { left, right in
            if wave[left] != wave[right] { return wave[left] < wave[right] }
            if descendants[left] != descendants[right] { return descendants[left] > descendants[right] }
            return packages[left].name < packages[right].name
        }
        return Layering(order: order, wave: wave, descendants: descendants, parents: parents)
    }
}

/// One package that must be tested when another is updated.
package struct ImpactedPackage: Sendable, Equatable {
    package var name: String
    /// 0 for the updated package, one more than its highest affected dependency otherwise.
    package var wave: Int
    package var currentVersion: Version
    /// Whether its spec on the updated package excludes the new version.
    package var needsBump: Bool
    package var why: String
}

/// What updating one package means: the packages to test, in wave order.
package struct Impact: Sendable {
    package var package: String
    package var currentVersion: Version
    package var version: Version
    package var packages: [ImpactedPackage]
}
