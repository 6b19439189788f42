import Foundation

/// A client connection that sends exactly the bytes it is given, when it is told to: for
/// requests an HTTP client would normalise or never send (a head that trickles in, percent-
/// encoded dots). Blocking socket calls: run it with ``onThread(_:)``.
final class RawConnection {
    struct Response: Sendable {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    private let socket: Int32
    private var buffer: [UInt8] = []
    let opened = ContinuousClock.now

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw SocketError(what: "socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(socket)
            throw SocketError(what: "connect")
        }
    }

    deinit { close(socket) }

    /// Sends the text; false when the server has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return Glibc.send(socket, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count
    }

    /// The next response, or nil when the connection closes (or `timeout` passes) first. A
    /// response to HEAD has no body, whatever its Content-Length says.
    func response(timeout: Duration = .seconds(10), head: Bool = false) -> Response? {
        let end = ContinuousClock.now + timeout
        while true {
            if let parsed = parse(head: head) { return parsed }
            guard receive(until: end) else { return nil }
        }
    }

    /// Whether the server closes the connection (without sending anything more) within `timeout`.
    func closes(within timeout: Duration) -> Bool {
        let end = ContinuousClock.now + timeout
        let before = buffer.count
        while receive(until: end) {}
        return ContinuousClock.now < end && buffer.count == before
    }

    /// Reads what arrives before `end`; false on close, reset or timeout.
    private func receive(until end: ContinuousClock.Instant) -> Bool {
        let left = end - ContinuousClock.now
        guard left > .zero else { return false }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&descriptor, 1, max(1, milliseconds)) > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let received = recv(socket, &chunk, chunk.count, 0)
        guard received > 0 else { return false }
        buffer.append(contentsOf: chunk[0..<received])
        return true
    }

    private func parse(head: Bool) -> Response? {
        let separator = Array("\r\n\r\n".utf8)
        guard buffer.count >= 4,
            let end = (0...(buffer.count - 4)).first(where: { Array(buffer[$0..<$0 + 4]) == separator })
        else { return nil }
        let lines = String(decoding: buffer[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            headers[parts[0].lowercased()] = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        }
        let length = head || status == 304 ? 0 : Int(headers["content-length"] ?? "0") ?? 0
        guard buffer.count >= end + 4 + length else { return nil }
        let body = String(decoding: buffer[(end + 4)..<(end + 4 + length)], as: UTF8.self)
        buffer.removeFirst(end + 4 + length)
        return Response(status: status, headers: headers, body: body)
    }
}

/// Runs blocking socket work on a thread of its own, so that the server in this process keeps
/// the concurrency pool.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}
