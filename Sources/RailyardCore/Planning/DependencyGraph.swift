/// The dependencies among a catalog's packages, by position in the package list. Dependencies on
/// names outside the catalog (numpy, packaging) are external and left out, and so are
/// self-dependencies (reported on their own by the reader).
///
/// Packages of one lockstep group are released as one: their dependencies on each other are
/// left out, and each has the dependencies of them all on packages outside the group, so that
/// the group gets one wave. The core's own group only loses its inner edges: its other
/// packages are companions, next to the core.
package struct DependencyGraph: Sendable {
    /// For each package, the packages it depends on, each once.
    package let dependencies: [[Int]]
    /// For each package, the packages that depend on it, each once.
    package let dependents: [[Int]]
    /// For each package, parallel to its `depends`: the position of the package each names,
    /// or -1 when it is outside the catalog.
    package let targets: [[Int]]

    package init(packages: [CatalogPackage]) {
        var index: [String: Int] = [:]
        index.reserveCapacity(packages.count)
        for (position, package) in packages.enumerated() { index[package.name] = position }
        self.init(packages: packages, index: index)
    }

    /// For each position, the lockstep group it belongs to (-1: none), from groups of names;
    /// the core's group is marked by `-2 - group` so that it only loses its inner edges.
    package static func groups(_ lockstep: [[String]], index: [String: Int], core: Int?) -> [Int] {
        var result = [Int](repeating: -1, count: index.count)
        for (group, names) in lockstep.enumerated() {
            let positions = names.compactMap { index[$0] }
            let hasCore = core.map(positions.contains) ?? false
            for position in positions where position < result.count {
                result[position] = hasCore ? -2 - group : group
            }
        }
        return result
    }

    /// Builds the graph with `index`, the position of each package by name, and `groups`, the
    /// lockstep group of each position (see `groups(_:index:core:)`; empty: none).
    package init(packages: [CatalogPackage], index: [String: Int], groups: [Int] = []) {
        let grouped = groups.count == packages.count ? groups : []
        func sameGroup(_ left: Int, _ right: Int) -> Bool {
            !grouped.isEmpty && grouped[left] != -1 && grouped[left] == grouped[right]
        }
        var dependencies = [[Int]](repeating: [], count: packages.count)
        var dependents = [[Int]](repeating: [], count: packages.count)
        var targets = [[Int]](repeating: [], count: packages.count)
        // `stamp[target] == position` marks a dependency already recorded for this package.
        var stamp = [Int](repeating: -1, count: packages.count)
        for position in packages.indices {
            packages[position].depends.withUnsafeBufferPointer { depends in
                targets[position].reserveCapacity(depends.count)
                for dependency in depends {
                    let target = index[dependency.name]
                    targets[position].append(target ?? -1)
                    guard let target, target != position, stamp[target] != position,
                        !sameGroup(position, target)
                    else {
                        continue
                    }
                    stamp[target] = position
                    dependencies[position].append(target)
                    dependents[target].append(position)
                }
            }
        }
        // A group that does not hold the core: each package takes the outside dependencies of all.
        var members: [Int: [Int]] = [:]
        for (position, group) in grouped.enumerated() where group >= 0 { members[group, default: []].append(position) }
        for group in members.keys.sorted() {
            let positions = members[group]!
            var outside: [Int] = []
            var seen = Set<Int>()
            for position in positions {
                for target in dependencies[position] where seen.insert(target).inserted { outside.append(target) }
            }
            for position in positions {
                for target in outside where !dependencies[position].contains(target) {
                    dependencies[position].append(target)
                    dependents[target].append(position)
                }
            }
        }
        self.dependencies = dependencies
        self.dependents = dependents
        self.targets = targets
    }

    package var count: Int { dependencies.count }

    /// By position: whether the package depends on `root`, directly or through others (breadth
    /// first over the dependents; `root` itself is not included).
    package func dependentsClosure(of root: Int) -> [Bool] {
        var reached = [Bool](repeating: false, count: count)
        var queue = [root]
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for dependent in dependents[node] where !reached[dependent] && dependent != root {
                reached[dependent] = true
                queue.append(dependent)
            }
        }
        return reached
    }

    /// One cycle for every group of packages that depend on each other (Tarjan's strongly
    /// connected components, without recursion), each starting at its first package in file order.
    package func cycles() -> [[Int]] {
        var indexOf = [Int](repeating: -1, count: count)
        var lowLink = [Int](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var stack: [Int] = []
        var nextIndex = 0
        var components: [[Int]] = []

        for root in 0..<count where indexOf[root] < 0 {
            var work: [(node: Int, edge: Int)] = [(root, 0)]
            indexOf[root] = nextIndex
            lowLink[root] = nextIndex
            nextIndex += 1
            stack.append(root)
            onStack[root] = true
            while let (node, edge) = work.last {
                if edge < dependencies[node].count {
                    work[work.count - 1].edge += 1
                    let next = dependencies[node][edge]
                    if indexOf[next] < 0 {
                        indexOf[next] = nextIndex
                        lowLink[next] = nextIndex
                        nextIndex += 1
                        stack.append(next)
                        onStack[next] = true
                        work.append((next, 0))
                    } else if onStack[next] {
                        lowLink[node] = min(lowLink[node], indexOf[next])
                    }
                    continue
                }
                work.removeLast()
                if let parent = work.last?.node { lowLink[parent] = min(lowLink[parent], lowLink[node]) }
                if lowLink[node] == indexOf[node] {
                    var component: [Int] = []
                    while let member = stack.popLast() {
                        onStack[member] = false
                        component.append(member)
                        if member == node { break }
                    }
                    if component.count > 1 { components.append(component) }
                }
            }
        }
        return components.map { cycle(within: Set($0)) }.sorted { $0[0] < $1[0] }
    }

    /// A simple cycle through the first package of a strongly connected component.
    private func cycle(within component: Set<Int>) -> [Int] {
        let start = component.min()!
        // Breadth-first from start's dependencies back to start gives a shortest cycle.
        var previous: [Int: Int] = [:]
        var queue = [start]
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for next in dependencies[node] where component.contains(next) {
                if next == start {
                    var path = [node]
                    while let before = previous[path[path.count - 1]] { path.append(before) }
                    return Array(path.reversed())
                }
                if previous[next] == nil && next != start {
                    previous[next] = node
                    queue.append(next)
                }
            }
        }
        return [start]
    }
}
