import Crypto
import Foundation
import RailyardChannel
import RailyardCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// What users receive: fetches main's index files from where users read the channel (the
/// server's `/channel/`, a CDN, a mirror) and compares each with the current generation here,
/// byte for byte through its sha256. A mirror that still serves an older main is named.
///
/// URLSession, as the remote client uses until the shell moves to AsyncHTTPClient (issue 24).
package enum ServedCheck {
    /// Checks `url` (the channel's base URL, as a client is given it) against `channel`'s main.
    package static func check(_ channel: LocalChannel, url: String, timeout: TimeInterval = 30)
        async throws(ServiceError) -> ServedResponse
    {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        guard let parsed = URL(string: base),
            parsed.scheme == "http" || parsed.scheme == "https" || parsed.scheme == "file"
        else {
            throw ServiceError(.invalid, "invalid-argument", "\(url): not an http(s) or file URL of a channel")
        }
        let main: (generation: Int, files: [(path: String, data: Data)])
        do {
            main = try channel.mainIndexFiles()
        } catch {
            throw ServiceError(error)
        }
        var files: [ServedResponse.File] = []
        for (path, data) in main.files {
            let expected = hex(SHA256.hash(data: data))
            let location = base + "/" + path
            var file = ServedResponse.File(
                path: path, state: "current", expectedSHA256: expected, servedSHA256: nil, detail: nil)
            switch await fetch(location, timeout: timeout) {
            case .success(let (status, body)) where status == 200 || (status == 0 && parsed.scheme == "file"):
                let served = hex(SHA256.hash(data: body))
                file.servedSHA256 = served
                if served != expected {
                    file.state = "stale"
                    file.detail =
                        "\(location) serves other bytes than main's generation \(main.generation) here"
                        + " (an older main, or damaged): purge that cache, or wait for the mirror to sync"
                }
            case .success(let (status, _)) where status == 404:
                file.state = "missing"
                file.detail = "\(location) answered 404"
            case .success(let (status, _)):
                file.state = "unreachable"
                file.detail = "\(location) answered \(status)"
            case .failure(let message):
                file.state = "unreachable"
                file.detail = "\(location): \(message)"
            }
            files.append(file)
        }
        return ServedResponse(
            url: base, mainGeneration: main.generation, ok: files.allSatisfy { $0.state == "current" }, files: files)
    }

    private enum Fetched {
        case success((Int, Data))
        case failure(String)
    }

    private static func fetch(_ location: String, timeout: TimeInterval) async -> Fetched {
        guard let url = URL(string: location) else { return .failure("not a URL") }
        // What the URL serves now, not what this machine cached of it.
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = "GET"
        return await withCheckedContinuation { continuation in
            URLSession.shared.dataTask(with: request) { data, response, error in
                if let error {
                    continuation.resume(returning: .failure(error.localizedDescription))
                } else {
                    continuation.resume(
                        returning: .success(((response as? HTTPURLResponse)?.statusCode ?? 0, data ?? Data())))
                }
            }.resume()
        }
    }

    private static func hex(_ digest: SHA256.Digest) -> String { digest.map { String(format: "%02x", $0) }.joined() }
}
