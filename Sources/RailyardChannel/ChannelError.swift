import Foundation

/// Why the channel refused or could not do something; each names the file, label or package.
package enum ChannelError: Error, Sendable, Equatable, CustomStringConvertible {
    case package(PackageError)
    case badRepodata(path: String, message: String)
    case io(path: String, message: String)
    case badLabel(String)
    /// A file name once published never changes content.
    case republished(file: String, label: String, existing: String, given: String)
    case mainChanged(expected: Int, actual: Int)
    case notAChannel(path: String, message: String)
    /// A file whose package is not part of the train.
    case notInTrain(file: String, package: String, train: String)
    /// The core's files go on the train with `train rc`.
    case coreGoesThroughRC(file: String, core: String)
    /// `train rc` takes the core's files only, at the train's version.
    case notTheCore(file: String, expected: String)
    case mixedVersions(package: String, versions: [String])
    /// The dry run found checks that do not hold.
    case promotionRefused(failing: [String])
    /// A file to revoke that `main` does not list (`SUBDIR/FILE` or `FILE`).
    case notOnMain(file: String)
    /// A file name `main` lists in several subdirs: say which.
    case ambiguousFile(file: String, subdirs: [String])
    /// The revocation would break what the solver installed before, or the solver could not say.
    case revocationRefused(reasons: [String])

    /// Whether a rule refused it (exit 1) rather than the input being unusable (exit 2).
    package var isRefusalByRule: Bool {
        switch self {
        case .republished, .mainChanged, .notInTrain, .coreGoesThroughRC, .promotionRefused, .revocationRefused: true
        case .package, .badRepodata, .io, .badLabel, .notAChannel, .notTheCore, .mixedVersions, .notOnMain,
            .ambiguousFile:
            false
        }
    }

    package var code: String {
        switch self {
        case .package(let error): error.code
        case .badRepodata: "bad-repodata"
        case .io: "channel-io"
        case .badLabel: "bad-label"
        case .republished: "file-name-taken"
        case .mainChanged: "main-changed"
        case .notAChannel: "not-a-channel"
        case .notInTrain: "not-in-train"
        case .coreGoesThroughRC: "core-goes-through-rc"
        case .notTheCore: "not-the-core"
        case .mixedVersions: "mixed-versions"
        case .promotionRefused: "promotion-refused"
        case .notOnMain: "not-on-main"
        case .ambiguousFile: "ambiguous-file"
        case .revocationRefused: "revocation-refused"
        }
    }

    package var description: String {
        switch self {
        case .package(let error): error.description
        case .badRepodata(let path, let message): "\(path): \(message)"
        case .io(let path, let message): "\(path): \(message)"
        case .badLabel(let label):
            "'\(label)' is not a label name: CEP 26 wants a letter first, then letters, digits, '.', '_' and '-'"
                + " (at most 128), and neither 'nolabel' nor a subdir's name ('main' is the top of the channel)"
        case .republished(let file, let label, let existing, let given):
            "\(file) is already published on \(label) with sha256 \(existing); this file has \(given):"
                + " a published file name never changes content (give the build a new build number)"
        case .mainChanged(let expected, let actual):
            "main changed since the diff was computed (generation \(expected), now \(actual)): run the dry run again"
        case .notAChannel(let path, let message): "\(path): \(message)"
        case .notInTrain(let file, let package, let train):
            "\(file): \(package) is not a member of train \(train); only the train's builds go on its staging label"
        case .coreGoesThroughRC(let file, let core):
            "\(file): \(core) is the core: register its files as an RC (railyard train rc VERSION --number N FILE...)"
        case .notTheCore(let file, let expected):
            "\(file): an RC is \(expected) (the release's final version number)"
        case .mixedVersions(let package, let versions):
            "the files of \(package) are of different versions (\(versions.joined(separator: ", "))): stage one build at a time"
        case .promotionRefused(let failing):
            "promotion refused: " + failing.joined(separator: "; ")
        case .notOnMain(let file):
            "\(file) is not on main: name a file main lists, as SUBDIR/FILE (railyard channel inspect lists them)"
        case .ambiguousFile(let file, let subdirs):
            "\(file) is on main in \(subdirs.joined(separator: " and ")): name it as "
                + subdirs.map { "\($0)/\(file)" }.joined(separator: " or ")
        case .revocationRefused(let reasons):
            "revocation refused: " + reasons.joined(separator: "; ")
                + " (--force revokes anyway, when a broken file does more harm than the installs it breaks)"
        }
    }
}
