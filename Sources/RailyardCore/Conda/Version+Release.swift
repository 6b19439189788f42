extension Version {
    /// The epoch, or 0.
    package var epochNumber: UInt64 {
        atoms.count > 1 && atoms[1].kind == .number ? atoms[1].payload : 0
    }

    /// The public components that are plain numbers, up to the first that is not
    /// (`2.6.0rc1` gives [2, 6]; `1!2.5.1+cu121` gives [2, 5, 1]).
    package var leadingNumbers: [UInt64] {
        var numbers: [UInt64] = []
        var index = 0
        var isEpoch = true
        while index < localStart {
            let count = Int(atoms[index].payload)
            defer { index += 1 + count }
            if isEpoch {
                isEpoch = false
                continue
            }
            guard count == 1, atoms[index + 1].kind == .number else { break }
            numbers.append(atoms[index + 1].payload)
        }
        return numbers
    }

    /// Whether the public version holds a text such as `rc`, `a`, `b` or `dev`: a pre-release,
    /// not the final version number a train judges specs against.
    package var isPreRelease: Bool {
        atoms[..<localStart].contains { $0.kind == .text }
    }

    /// The next bugfix release: the third number goes up by one (`2.5.1` → `2.5.2`, `1.7` → `1.7.1`).
    /// Nil when the version does not start with plain numbers.
    package var nextBugfix: Version? {
        var numbers = leadingNumbers
        guard !numbers.isEmpty else { return nil }
        while numbers.count < 3 { numbers.append(0) }
        numbers = Array(numbers.prefix(3))
        numbers[2] += 1
        return Version(numbers: numbers, epoch: epochNumber)
    }

    /// A version made of plain numbers.
    package init(numbers: [UInt64], epoch: UInt64 = 0) {
        let text = (epoch > 0 ? "\(epoch)!" : "") + numbers.map(String.init).joined(separator: ".")
        // Plain numbers always parse.
        self = try! Version(text)
    }
}
