/// A regular expression compiled for a Pike VM: the text is read once, left to right, with
/// every live thread advanced together, so matching costs at most text length × program size
/// steps whatever the expression (`^(a+)+$`, `^(.*.*.*)*X$` included). Backtracking engines
/// take exponential time on those; this one has no backtracking to do.
struct RegexProgram: Sendable {
    enum Instruction: Sendable {
        case scalar(UInt32)
        case set(Int)
        /// Any character but a newline.
        case any
        /// Continue at both targets.
        case split(Int, Int)
        case jump(Int)
        case assertStart
        case assertEnd
        case assertEndOfText
        case match
    }

    private(set) var instructions: [Instruction] = []
    private(set) var sets: [RegexCharacterSet] = []

    /// Compiles `node`, or throws when the program would exceed `limit` instructions.
    init(_ node: RegexNode, pattern: String, limit: Int) throws(RegexError) {
        let size = Self.size(of: node, limit: limit)
        guard size < limit else {
            throw RegexError(
                pattern: pattern,
                reason: .tooComplex("it compiles to more than \(limit) instructions"))
        }
        instructions.reserveCapacity(size + 1)
        emit(node)
        instructions.append(.match)
    }

    /// The number of instructions `node` compiles to, saturating at `limit`.
    private static func size(of node: RegexNode, limit: Int) -> Int {
        func add(_ a: Int, _ b: Int) -> Int { Swift.min(limit, a + b) }
        func multiply(_ a: Int, _ b: Int) -> Int {
            let (product, overflow) = a.multipliedReportingOverflow(by: b)
            return overflow ? limit : Swift.min(limit, product)
        }
        switch node {
        case .empty: return 0
        case .scalar, .set, .any, .start, .end, .endOfText: return 1
        case .sequence(let items): return items.reduce(0) { add($0, size(of: $1, limit: limit)) }
        case .alternation(let branches):
            return branches.reduce(2 * (branches.count - 1)) { add($0, size(of: $1, limit: limit)) }
        case .repetition(let inner, let min, let max):
            let one = size(of: inner, limit: limit)
            let required = multiply(one, min)
            guard let max else { return add(required, add(one, 2)) }
            return add(required, multiply(add(one, 1), max - min))
        }
    }

    private mutating func emit(_ node: RegexNode) {
        switch node {
        case .empty:
            break
        case .scalar(let value):
            instructions.append(.scalar(value))
        case .set(let set):
            sets.append(set)
            instructions.append(.set(sets.count - 1))
        case .any:
            instructions.append(.any)
        case .start:
            instructions.append(.assertStart)
        case .end:
            instructions.append(.assertEnd)
        case .endOfText:
            instructions.append(.assertEndOfText)
        case .sequence(let items):
            for item in items { emit(item) }
        case .alternation(let branches):
            // split L1, next; L1: branch; jump end; next: split L2, ... ; the last branch as is.
            var jumps: [Int] = []
            for (index, branch) in branches.enumerated() {
                if index == branches.count - 1 {
                    emit(branch)
                    break
                }
                let split = instructions.count
                instructions.append(.split(split + 1, 0))
                emit(branch)
                jumps.append(instructions.count)
                instructions.append(.jump(0))
                instructions[split] = .split(split + 1, instructions.count)
            }
            for jump in jumps { instructions[jump] = .jump(instructions.count) }
        case .repetition(let inner, let min, let max):
            for _ in 0..<min { emit(inner) }
            if let max {
                // `x?` max - min times: the same language as nested optional copies.
                for _ in min..<max {
                    let split = instructions.count
                    instructions.append(.split(split + 1, 0))
                    emit(inner)
                    instructions[split] = .split(split + 1, instructions.count)
                }
            } else {
                // loop: split body, out; body: x; jump loop; out:
                let loop = instructions.count
                instructions.append(.split(loop + 1, 0))
                emit(inner)
                instructions.append(.jump(loop))
                instructions[loop] = .split(loop + 1, instructions.count)
            }
        }
    }

    /// Whether the program matches at the start of `text`, as Python's `re.match` answers.
    func matches(_ text: String) -> Bool {
        let scalars = text.unicodeScalars.map(\.value)
        var current = ThreadList(capacity: instructions.count)
        var next = ThreadList(capacity: instructions.count)
        var stack: [Int] = []
        if addThreads(from: 0, at: 0, in: scalars, to: &current, stack: &stack) { return true }
        for (index, value) in scalars.enumerated() {
            if current.isEmpty { return false }
            next.removeAll()
            for pc in current.members {
                let advances: Bool
                switch instructions[pc] {
                case .scalar(let wanted): advances = value == wanted
                case .set(let set): advances = sets[set].contains(value)
                case .any: advances = value != 0x0A
                default: advances = false
                }
                if advances, addThreads(from: pc + 1, at: index + 1, in: scalars, to: &next, stack: &stack) {
                    return true
                }
            }
            swap(&current, &next)
        }
        return false
    }

    /// Adds the threads reachable from `start` without reading a character at `position`;
    /// true as soon as one reaches `match`. Iterative, so a long chain of splits needs no stack.
    private func addThreads(
        from start: Int,
        at position: Int,
        in text: [UInt32],
        to list: inout ThreadList,
        stack: inout [Int]
    ) -> Bool {
        stack.removeAll(keepingCapacity: true)
        stack.append(start)
        while let pc = stack.popLast() {
            guard list.insert(pc) else { continue }
            switch instructions[pc] {
            case .match:
                return true
            case .jump(let target):
                stack.append(target)
            case .split(let first, let second):
                stack.append(second)
                stack.append(first)
            case .assertStart:
                if position == 0 { stack.append(pc + 1) }
            case .assertEnd:
                if position == text.count || (position == text.count - 1 && text[position] == 0x0A) {
                    stack.append(pc + 1)
                }
            case .assertEndOfText:
                if position == text.count { stack.append(pc + 1) }
            case .scalar, .set, .any:
                break
            }
        }
        return false
    }
}

/// The program counters of the live threads at one position: a sparse set, so that insertion,
/// lookup and clearing are constant time.
private struct ThreadList {
    private(set) var members: [Int] = []
    private var slot: [Int]

    init(capacity: Int) {
        slot = [Int](repeating: 0, count: capacity)
        members.reserveCapacity(capacity)
    }

    var isEmpty: Bool { members.isEmpty }

    /// Inserts `pc`; false when it is already there.
    mutating func insert(_ pc: Int) -> Bool {
        let index = slot[pc]
        if index < members.count && members[index] == pc { return false }
        slot[pc] = members.count
        members.append(pc)
        return true
    }

    mutating func removeAll() {
        members.removeAll(keepingCapacity: true)
    }
}
