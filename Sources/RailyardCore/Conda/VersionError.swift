/// Why a string is not a conda version.
package struct VersionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The rule the string breaks.
    package enum Reason: Equatable, Sendable {
        case empty
        case invalidCharacter(Character)
        case epochNotInteger(String)
        case duplicateEpochSeparator
        case duplicateLocalSeparator
        case missingVersionBeforeLocal
        case missingVersionAfterEpoch
        case emptyComponent
    }

    /// The string as given.
    package let input: String
    package let reason: Reason

    package init(input: String, reason: Reason) {
        self.input = input
        self.reason = reason
    }

    /// One sentence: what was given and why conda refuses it.
    package var description: String {
        "invalid version \"\(input)\": \(explanation)"
    }

    /// The reason alone, without the input.
    package var explanation: String {
        switch reason {
        case .empty:
            "empty version string"
        case .invalidCharacter(let character):
            "invalid character \"\(character.unicodeScalars.map { $0.escaped(asASCII: false) }.joined())\""
                + " (a version may contain only letters, digits and . _ + ! *, or - where it has no _)"
        case .epochNotInteger(let epoch):
            "epoch \"\(epoch)\" before '!' must be an integer"
        case .duplicateEpochSeparator:
            "more than one epoch separator '!'"
        case .duplicateLocalSeparator:
            "more than one local version separator '+'"
        case .missingVersionBeforeLocal:
            "missing version before local version separator '+'"
        case .missingVersionAfterEpoch:
            "missing version after epoch separator '!'"
        case .emptyComponent:
            "empty version component (two separators in a row, or one at the start or end)"
        }
    }
}
