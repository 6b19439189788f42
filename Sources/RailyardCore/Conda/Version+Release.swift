extension Version {
    /// The epoch, or 0.
    package var epochNumber: UInt64 {
        atoms.count > 1 && atoms[1].kind == .number ? atoms[1].payload : 0
    }

    /// The public components that are plain numbers, up to the first that is not
    /// (`2.6.0rc1` gives [2, 6]; `1!2.5.1+cu121` gives [2, 5, 1]).
    package var leadingNumbers: [UInt64] { leadingComponents.numbers }

    /// Whether the public version holds a text such as `rc`, `a`, `b` or `dev`: a pre-release,
    /// not the final version number a train judges specs against.
    package var isPreRelease: Bool {
        atoms[..<localStart].contains { $0.kind == .text }
    }

    /// Whether every leading number fits in 64 bits: false when `leadingNumbers` stopped at a
    /// larger one (`2.99999999999999999999.0` gives [2]). conda compares such numbers as Python
    /// ints, so the version is valid; arithmetic that derives versions from it refuses it.
    package var leadingNumbersFit: Bool { leadingComponents.fit }

    /// One walk of the public components: the plain numbers up to the first that is not, and
    /// whether the walk stopped at (or the epoch is) a number beyond 64 bits.
    private var leadingComponents: (numbers: [UInt64], fit: Bool) {
        var numbers: [UInt64] = []
        var index = 0
        var isEpoch = true
        while index < localStart {
            let count = Int(atoms[index].payload)
            defer { index += 1 + count }
            if isEpoch {
                isEpoch = false
                if count >= 1, atoms[index + 1].kind == .bigNumber { return (numbers, false) }
                continue
            }
            guard count == 1 else { break }
            switch atoms[index + 1].kind {
            case .number: numbers.append(atoms[index + 1].payload)
            case .bigNumber: return (numbers, false)
            case .text, .post, .header: return (numbers, true)
            }
        }
        return (numbers, true)
    }

    /// The next bugfix release: the third number goes up by one (`2.5.1` → `2.5.2`, `1.7` → `1.7.1`).
    /// Nil when the version does not start with plain numbers. Exact for every number
    /// (`2.5.18446744073709551615` → `2.5.18446744073709551616`): the sum is written in decimal.
    package var nextBugfix: Version? {
        var numbers = leadingNumbers
        guard !numbers.isEmpty, leadingNumbersFit else { return nil }
        while numbers.count < 3 { numbers.append(0) }
        let texts = numbers.prefix(2).map { String($0) } + [Self.successor(numbers[2])]
        return Version(plainNumbers: texts, epoch: epochNumber)
    }

    /// `number + 1` in decimal, exact even for `UInt64.max`.
    package static func successor(_ number: UInt64) -> String {
        let (sum, overflow) = number.addingReportingOverflow(1)
        return overflow ? "18446744073709551616" : String(sum)
    }

    /// A version of plain decimal numbers, each of any size.
    init(plainNumbers: [String], epoch: UInt64) {
        let text = (epoch > 0 ? "\(epoch)!" : "") + plainNumbers.joined(separator: ".")
        // Decimal digits separated by dots always parse.
        self = try! Version(text)
    }

    /// A version made of plain numbers.
    package init(numbers: [UInt64], epoch: UInt64 = 0) {
        let text = (epoch > 0 ? "\(epoch)!" : "") + numbers.map(String.init).joined(separator: ".")
        // Plain numbers always parse.
        self = try! Version(text)
    }
}
