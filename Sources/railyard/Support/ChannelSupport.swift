import ArgumentParser
import Foundation
import RailyardApplication
import RailyardChannel
import RailyardCore
import RailyardStore

/// Reports a channel refusal the documented way: 1 when a rule refused it, 2 for unusable input.
func refuseChannel(_ error: ChannelError, json: Bool) -> ExitCode {
    var details: [String: JSONValue] = [:]
    if case .promotionRefused(let failing) = error { details["failing"] = .array(failing.map { .string($0) }) }
    return refuse(
        code: error.code, message: error.description, json: json, details: details,
        exit: error.isRefusalByRule ? ExitStatus.refused : ExitStatus.badInput)
}

/// Runs `body` with the store and the channel, turning their errors into documented refusals.
func withTrainChannel<T>(_ options: StoreOptions, _ body: (TrainChannel) throws -> T) throws -> T {
    let store = try options.open()
    let json = options.output.json
    do {
        let channel = try LocalChannel(path: options.channel)
        return try body(TrainChannel(store: store, channel: channel))
    } catch let error as StoreError {
        throw refuseStore(error, json: json)
    } catch let error as ChannelError {
        throw refuseChannel(error, json: json)
    } catch let error as PackageError {
        throw refuseChannel(.package(error), json: json)
    }
}

/// Progress on standard error for long work, only when it is a terminal.
func terminalProgress(_ what: String) -> ((Int, Int) -> Void)? {
    guard isatty(STDERR_FILENO) == 1 else { return nil }
    return { done, total in
        StandardError.write("\r\(what): \(done)/\(total)" + (done == total ? "\n" : ""))
    }
}

extension PackageRecord {
    /// The record as `channel inspect --json` prints it: every field the repodata would list,
    /// and the file's name.
    var json: JSONValue {
        var fields: [String: JSONValue] = extra ?? [:]
        let modeled: [String: JSONValue] = [
            "file": .string(fileName), "name": .string(name), "version": .string(version), "build": .string(build),
            "build_number": .number(buildNumber), "subdir": .string(subdir),
            "depends": .array(depends.map { .string($0) }), "constrains": .array(constrains.map { .string($0) }),
            "noarch": noarch.map { .string($0) } ?? .null, "size": .number(size), "md5": .string(md5),
            "sha256": .string(sha256),
        ]
        fields.merge(modeled) { _, modeled in modeled }
        for (key, value) in [
            ("license", license), ("license_family", licenseFamily), ("features", features),
            ("track_features", trackFeatures),
        ] {
            if let value { fields[key] = .string(value) }
        }
        if let timestamp { fields["timestamp"] = .number(timestamp) }
        return .object(fields)
    }
}
