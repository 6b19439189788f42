import Foundation
import RailyardCore

/// One call of anaconda-client that a promotion to anaconda.org makes.
package struct AnacondaStep: Codable, Equatable, Sendable {
    /// `SUBDIR/FILE`.
    var file: String
    /// `upload` (the file onto the staging label) or `copy` (from the staging label to main).
    var action: String
    var done: Bool
}

/// A promotion to anaconda.org in flight: each step and whether it is done.
struct AnacondaJournal: Codable, Equatable {
    var train: String
    var owner: String
    var steps: [AnacondaStep]
}

/// Why an anaconda.org promotion stopped.
package enum AnacondaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A call failed: the journal keeps what was done; `--resume` goes on from this step.
    case callFailed(command: String, status: Int32, output: String, done: Int, total: Int)
    case inFlight(train: String)
    case nothingToResume(train: String)
    case cannotRun(String)

    package var code: String {
        switch self {
        case .callFailed: "anaconda-call-failed"
        case .inFlight: "promotion-in-flight"
        case .nothingToResume: "nothing-to-resume"
        case .cannotRun: "anaconda-missing"
        }
    }

    package var description: String {
        switch self {
        case .callFailed(let command, let status, let output, let done, let total):
            "\(command) failed (exit \(status)): \(output.trimmingCharacters(in: .whitespacesAndNewlines)); "
                + "\(done) of \(total) steps are done and recorded: fix the cause, then run the same promote with --resume"
        case .inFlight(let train):
            "a promotion of \(train) to anaconda.org is in flight: continue it with --resume"
        case .nothingToResume(let train):
            "no promotion of \(train) to anaconda.org is in flight: run it without --resume"
        case .cannotRun(let message): "cannot run anaconda-client: \(message)"
        }
    }
}

/// Drives anaconda-client, where nothing is atomic: a promotion is a journaled sequence (each
/// file uploaded to the staging label, then copied to main, the core first and the members in
/// plan order, so that main gains dependencies before what depends on them). Each step is
/// recorded done as soon as its call succeeds; a crash or a failed call leaves the journal, and
/// `--resume` goes on from the first step not done, so that no finished step is repeated.
package struct AnacondaBackend: Sendable {
    package var executable: String
    package var owner: String
    let journalDirectory: String

    package init(executable: String, owner: String, channel: LocalChannel) {
        self.executable = executable
        self.owner = owner
        self.journalDirectory = channel.meta
    }

    func journalPath(_ train: String) -> String { journalDirectory + "/anaconda-\(train).json" }

    package func inFlight(_ train: String) -> Bool { FileSystem.exists(journalPath(train)) }

    /// Removes the journal of a promotion whose every step was done and recorded.
    package func forgetJournal(of train: String) { FileSystem.remove(journalPath(train)) }

    /// The steps of a promotion of `plan`'s gains, in dependency order.
    package static func steps(for plan: PromotionPlan, order: [String]) -> [AnacondaStep] {
        let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let records = plan.gains.values.flatMap { $0 }.sorted {
            (rank[$0.name] ?? Int.max, $0.subdir, $0.fileName) < (rank[$1.name] ?? Int.max, $1.subdir, $1.fileName)
        }
        return records.flatMap { record in
            ["upload", "copy"].map {
                AnacondaStep(file: "\(record.subdir)/\(record.fileName)", action: $0, done: false)
            }
        }
    }

    /// Starts (or, with `resume`, continues) the journaled sequence, then calls `commit` once
    /// every step is done. `source(file)` is the local path of a `SUBDIR/FILE`.
    package func run(
        train: String, steps: [AnacondaStep], resume: Bool, label: String, source: (String) -> String,
        record: (String) -> PackageRecord?, progress: ((Int, Int) -> Void)?, commit: () throws -> Void
    ) throws {
        var journal: AnacondaJournal
        if resume {
            guard let data = FileManager.default.contents(atPath: journalPath(train)),
                let read = try? JSONDecoder().decode(AnacondaJournal.self, from: data)
            else { throw AnacondaError.nothingToResume(train: train) }
            journal = read
        } else {
            guard !inFlight(train) else { throw AnacondaError.inFlight(train: train) }
            journal = AnacondaJournal(train: train, owner: owner, steps: steps)
            try save(journal)
        }
        let total = journal.steps.count
        for index in journal.steps.indices where !journal.steps[index].done {
            let step = journal.steps[index]
            let arguments: [String]
            if step.action == "upload" {
                arguments = ["upload", "--user", journal.owner, "--label", label, "--skip-existing", source(step.file)]
            } else {
                guard let record = record(step.file) else { throw AnacondaError.cannotRun("\(step.file) is gone") }
                arguments = [
                    "copy", "\(journal.owner)/\(record.name)/\(record.version)/\(step.file)", "--from-label", label,
                    "--to-label", "main",
                ]
            }
            let (status, output) = try call(arguments)
            guard status == 0 else {
                throw AnacondaError.callFailed(
                    command: "anaconda " + arguments.joined(separator: " "), status: status, output: output,
                    done: journal.steps.filter(\.done).count, total: total)
            }
            journal.steps[index].done = true
            try save(journal)
            progress?(index + 1, total)
        }
        try commit()
        FileSystem.remove(journalPath(train))
    }

    private func save(_ journal: AnacondaJournal) throws {
        try FileSystem.makeDirectories(journalDirectory)
        try FileSystem.writeAtomically(try JSONEncoder().encode(journal), to: journalPath(journal.train))
    }

    private func call(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            throw AnacondaError.cannotRun("\(executable): \(error.localizedDescription)")
        }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
