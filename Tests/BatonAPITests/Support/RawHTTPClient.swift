import BatonExpressions
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A deliberately tiny HTTP/1.1 client over a TCP socket, enough to drive the API in tests.
///
/// Raw sockets rather than URLSession because tests need exact control of what goes on the wire
/// (no Content-Type added behind our back, arbitrary methods, malformed bodies). Each request
/// uses its own connection and reads exactly one response (by `Content-Length` or chunked), so
/// the server's keep-alive path drains any body it did not read. Blocking socket calls run on a
/// dedicated thread, never on the cooperative pool the server's handlers need.
struct RawHTTPClient: Sendable {
    let port: Int

    func get(_ path: String, headers: [(String, String)] = []) async throws -> TestResponse {
        try await send("GET", path, headers: headers)
    }

    func post(_ path: String, json: JSONValue, headers: [(String, String)] = []) async throws -> TestResponse {
        try await send("POST", path, headers: [("Content-Type", "application/json")] + headers, body: json.serializedBytes())
    }

    func post(_ path: String, text: String, contentType: String?, headers: [(String, String)] = []) async throws -> TestResponse {
        let typeHeader = contentType.map { [("Content-Type", $0)] } ?? []
        return try await send("POST", path, headers: typeHeader + headers, body: Array(text.utf8))
    }

    func send(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = [], chunked: Bool = false) async throws -> TestResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        var bytes: [UInt8]
        if chunked {
            head += "Transfer-Encoding: chunked\r\n\r\n"
            bytes = Array(head.utf8)
            if !body.isEmpty { bytes += Array("\(String(body.count, radix: 16))\r\n".utf8) + body + Array("\r\n".utf8) }
            bytes += Array("0\r\n\r\n".utf8)
        } else {
            if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
            bytes = Array((head + "\r\n").utf8) + body
        }
        let port = self.port
        let request = bytes
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try RawHTTPClient.exchange(request, port: port) })
            }
            thread.start()
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private static func exchange(_ request: [UInt8], port: Int) throws -> TestResponse {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect() to port \(port) failed: errno \(errno)") }

        var sent = 0
        while sent < request.count {
            #if canImport(Glibc)
            let n = request[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            #else
            let n = request[sent...].withUnsafeBytes { Darwin.send(fd, $0.baseAddress, $0.count, 0) }
            #endif
            guard n > 0 else { throw Failure(description: "send() failed: errno \(errno)") }
            sent += n
        }

        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let response = try TestResponse(parsing: buffer) { return response }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 {
                guard let response = try TestResponse(parsing: buffer, atEOF: true) else {
                    throw Failure(description: "connection closed after \(buffer.count) bytes without a complete response")
                }
                return response
            }
            guard n > 0 else { throw Failure(description: "recv() failed: errno \(errno)") }
            buffer += chunk[0..<n]
        }
    }
}

/// One HTTP response as the test client read it.
struct TestResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    /// The first value of header `name`, case-insensitively.
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON (fails the test with the raw body when it is not JSON).
    func json() throws -> JSONValue {
        do {
            return try JSONValue.parse(body)
        } catch {
            throw RawHTTPClient.Failure(description: "response body is not JSON (\(error)): \(text)")
        }
    }

    /// Parses `bytes` when they hold a complete response; nil when more are needed.
    init?(parsing bytes: [UInt8], atEOF: Bool = false) throws {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let headEnd = bytes.indices.dropLast(3).first(where: { Array(bytes[$0..<($0 + 4)]) == separator }) else { return nil }
        let lines = String(decoding: bytes[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw RawHTTPClient.Failure(description: "bad status line '\(lines[0])'")
        }
        let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let rest = Array(bytes[(headEnd + 4)...])
        self.status = status
        self.headers = headers
        if status == 204 || status == 304 {
            // No body by definition (RFC 9110 §6.4.1), whatever the framing headers say.
            self.body = []
        } else if let length = headers.first(where: { $0.name.lowercased() == "content-length" }).flatMap({ Int($0.value) }) {
            guard rest.count >= length else { return nil }
            self.body = Array(rest.prefix(length))
        } else if headers.contains(where: { $0.name.lowercased() == "transfer-encoding" && $0.value.lowercased() == "chunked" }) {
            guard let body = Self.dechunk(rest) else { return nil }
            self.body = body
        } else {
            guard atEOF else { return nil }
            self.body = rest
        }
    }

    /// The body of a complete chunked payload; nil while the terminating chunk has not arrived.
    private static func dechunk(_ bytes: [UInt8]) -> [UInt8]? {
        var body: [UInt8] = []
        var index = 0
        while true {
            guard let lineEnd = (index..<max(index, bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) else { return nil }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText, radix: 16) else { return nil }
            let start = lineEnd + 2
            if size == 0 { return body }
            guard bytes.count >= start + size + 2 else { return nil }
            body += bytes[start..<(start + size)]
            index = start + size + 2
        }
    }
}
