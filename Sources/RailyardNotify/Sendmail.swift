import Foundation
import Synchronization

/// Hands an e-mail to a sendmail-compatible program (sendmail, msmtp, …): the message on
/// standard input, the recipient as the argument, `-i` so that a lone dot ends nothing.
package struct SendmailSender: Sendable {
    package var program: String
    package var from: String
    package var timeout: TimeInterval

    package init(program: String, from: String, timeout: TimeInterval = 30) {
        self.program = program
        self.from = from
        self.timeout = timeout
    }

    package func send(_ message: String, to address: String) async throws(DeliveryFailure) {
        guard FileManager.default.isExecutableFile(atPath: program) else {
            throw DeliveryFailure("the sendmail program \(program) is not an executable file (see --sendmail)")
        }
        guard !address.hasPrefix("-"), !address.contains(where: { $0.isWhitespace }) else {
            throw DeliveryFailure("'\(address)' is not an e-mail address")
        }
        let program = self.program
        let from = self.from
        let timeout = self.timeout
        let result: Result<Void, DeliveryFailure> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Self.run(program, from: from, to: address, message, timeout: timeout))
            }
        }
        try result.get()
    }

    private static func run(
        _ program: String, from: String, to address: String, _ message: String, timeout: TimeInterval
    )
        -> Result<Void, DeliveryFailure>
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = ["-i", "-f", from, "--", address]
        let input = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do {
            try process.run()
        } catch {
            return .failure(DeliveryFailure("cannot run \(program): \(error.localizedDescription)"))
        }
        // Stderr is drained while the message is written, so a chatty program cannot stall.
        let stderr = Mutex(Data())
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let said = errors.fileHandleForReading.readDataToEndOfFile()
            stderr.withLock { $0 = said }
            drained.signal()
        }
        try? input.fileHandleForWriting.write(contentsOf: Data(message.utf8))
        try? input.fileHandleForWriting.close()
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            finished.wait()
            drained.wait()
            return .failure(DeliveryFailure("\(program) did not finish within \(Int(timeout)) s"))
        }
        drained.wait()
        guard process.terminationStatus == 0 else {
            let said = String(decoding: stderr.withLock { $0 }, as: UTF8.self).trimmingCharacters(
                in: .whitespacesAndNewlines)
            return .failure(
                DeliveryFailure(
                    "\(program) exited with \(process.terminationStatus)"
                        + (said.isEmpty ? "" : ": \(said.prefix(300))")
                ))
        }
        return .success(())
    }
}
