import PropertyBased
import RailyardCore
import Testing

/// Random acyclic catalogs: package i depends only on packages before it.
enum CatalogGenerators {
    struct Shape: Sendable, CustomStringConvertible {
        /// For each package after the core: the earlier packages it depends on, and whether the
        /// pin on the core (if any) excludes 2.6.
        var dependencies: [[Int]]
        var strictPins: [Bool]
        var abi: [Bool]
        var companions: Set<Int>

        var description: String { "\(dependencies) strict \(strictPins) abi \(abi) companions \(companions)" }

        var catalog: Catalog {
            var packages = [
                CatalogPackage(name: "pytorch", version: try! Version("2.5.1"), maintainers: ["rm"])
            ]
            for (offset, targets) in dependencies.enumerated() {
                let index = offset + 1
                let depends = targets.map { target -> CatalogDependency in
                    let spec =
                        target == 0
                        ? (strictPins[offset] ? "pytorch >=2,<2.6" : "pytorch >=2,<3")
                        : "p\(target) >=1,<2"
                    return CatalogDependency(spec: try! MatchSpec(spec))
                }
                packages.append(
                    CatalogPackage(
                        name: "p\(index)",
                        version: try! Version("1.0"),
                        isCompanion: companions.contains(index),
                        isABICoupled: abi[offset],
                        depends: depends,
                        maintainers: ["team"]
                    )
                )
            }
            return Catalog(
                distribution: "d",
                channel: "c",
                core: "pytorch",
                subdirs: ["noarch"],
                releaseManagers: ["rm"],
                policy: .defaults,
                contacts: [],
                packages: packages
            )
        }
    }

    static var shape: Generator<Shape, some SendableSequenceType> {
        zip(
            Gen.int(in: 0...1_000_000).array(of: 0...4).array(of: 1...30),
            Gen.bool.array(of: 30),
            Gen.bool(0.2).array(of: 30),
            Gen.int(in: 1...30).array(of: 0...2)
        ).map { raw, strict, abi, companions in
            let companionSet = Set(companions.filter { $0 <= raw.count })
            // Companions pin the core, as the catalog requires.
            let dependencies = raw.enumerated().map { offset, picks in
                Array(Set(picks.map { $0 % (offset + 1) } + (companionSet.contains(offset + 1) ? [0] : []))).sorted()
            }
            return Shape(dependencies: dependencies, strictPins: strict, abi: abi, companions: companionSet)
        }
    }
}

@Suite("Planner: properties over random acyclic catalogs")
struct PlannerPropertyTests {
    @Test("members, waves, descendants and reasons agree with a brute-force reading of the graph")
    func planInvariants() async {
        await propertyCheck(count: 300, input: CatalogGenerators.shape) { shape in
            let catalog = shape.catalog
            let plan = try Planner.plan(catalog, coreVersion: Version("2.6.0"))
            let count = catalog.packages.count
            let dependsOn = { (index: Int) in shape.dependencies[index - 1] }

            // Members: exactly the transitive dependents of the core, plus the companions.
            var reachesCore = [Bool](repeating: false, count: count)
            reachesCore[0] = true
            for index in 1..<count { reachesCore[index] = dependsOn(index).contains { reachesCore[$0] } }
            let expected = Set((1..<count).filter { reachesCore[$0] || shape.companions.contains($0) }.map { "p\($0)" })
            #expect(Set(plan.members.map(\.name)) == expected)

            let byName = Dictionary(uniqueKeysWithValues: plan.members.map { ($0.name, $0) })
            for member in plan.members {
                let index = Int(member.name.dropFirst())!
                let parents = dependsOn(index).filter { $0 == 0 || byName["p\($0)"] != nil }
                let parentWaves = parents.map { $0 == 0 ? 0 : byName["p\($0)"]!.wave }
                #expect(member.wave == 1 + (parentWaves.max() ?? 0), "\(member.name)")

                // Descendants: members that reach this one.
                var reaches = [Bool](repeating: false, count: count)
                reaches[index] = true
                var descendants = 0
                for later in (index + 1)..<max(count, index + 1) where dependsOn(later).contains(where: { reaches[$0] })
                {
                    reaches[later] = true
                    if byName["p\(later)"] != nil { descendants += 1 }
                }
                #expect(member.descendants == descendants, "\(member.name)")

                let strictOnCore = dependsOn(index).contains(0) && shape.strictPins[index - 1]
                let reason: MemberReason =
                    shape.companions.contains(index)
                    ? .companion : shape.abi[index - 1] ? .rebuild : strictOnCore ? .bump : .retest
                #expect(member.reason == reason, "\(member.name)")
            }

            // Order: by wave, then most descendants, then name.
            let keys = plan.members.map { ($0.wave, -$0.descendants, $0.name) }
            #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 <= $1 })
            #expect(plan.violations.isEmpty)
        }
    }
}
