import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Posts a delivery's JSON to a contact's webhook: signed when the contact has a secret, with a
/// timeout, following redirects only within the same scheme, host and port.
package final class WebhookSender: NSObject, URLSessionTaskDelegate, Sendable {
    private let timeout: TimeInterval
    private let session = Mutex<URLSession?>(nil)

    package init(timeout: TimeInterval = 10) {
        self.timeout = timeout
        super.init()
    }

    /// Sends `body` to `url`; throws a `DeliveryFailure` that says why it did not arrive.
    package func post(_ body: Data, to url: URL, headers: [String: String]) async throws(DeliveryFailure) {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("Railyard-Hookshot", forHTTPHeaderField: "User-Agent")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let session = self.session.withLock { session in
            if let session { return session }
            let configuration = URLSessionConfiguration.ephemeral
            configuration.timeoutIntervalForRequest = timeout
            configuration.timeoutIntervalForResource = timeout * 2
            let made = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
            session = made
            return made
        }
        let outcome: Result<Int, any Error> = await withCheckedContinuation { continuation in
            session.dataTask(with: request) { _, response, error in
                if let error {
                    continuation.resume(returning: .failure(error))
                } else {
                    continuation.resume(returning: .success((response as? HTTPURLResponse)?.statusCode ?? 0))
                }
            }.resume()
        }
        switch outcome {
        case .failure(let error):
            throw DeliveryFailure("\(url.absoluteString): \(error.localizedDescription)")
        case .success(let status) where (200..<300).contains(status):
            return
        case .success(let status) where (300..<400).contains(status):
            throw DeliveryFailure(
                "\(url.absoluteString) answered \(status): a redirect to another host is not followed")
        case .success(let status):
            throw DeliveryFailure("\(url.absoluteString) answered \(status)")
        }
    }

    /// Follows a redirect only to the same scheme, host and port.
    package func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        let from = task.originalRequest?.url
        let to = request.url
        let same =
            from?.scheme?.lowercased() == to?.scheme?.lowercased() && from?.host?.lowercased() == to?.host?.lowercased()
            && from?.port == to?.port
        completionHandler(same ? request : nil)
    }

    /// Ends the session (its delegate holds this sender).
    package func close() {
        session.withLock { session in
            session?.finishTasksAndInvalidate()
            session = nil
        }
    }
}

/// Why a delivery attempt did not arrive: one sentence, recorded on the delivery.
package struct DeliveryFailure: Error, Sendable, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
