import NIOCore
import NIOHTTP1
import NIOPosix

/// Posts OTLP/JSON bodies to a collector over HTTP/1.1, one connection per request (a request a
/// second at most: keeping a connection alive would buy nothing and add a failure mode).
struct OTLPHTTPExporter: Sendable {
    let endpoint: OTLPEndpoint
    var timeout: Duration = .seconds(10)

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Returns once the collector answered 2xx; throws with its status and the start of its
    /// answer otherwise, or when it cannot be reached within `timeout`.
    func post(_ body: [UInt8]) async throws {
        let endpoint = endpoint
        let timeout = timeout
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await Self.send(body, to: endpoint) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw Failure(description: "\(endpoint) did not answer within \(timeout)")
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private static func send(_ body: [UInt8], to endpoint: OTLPEndpoint) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: endpoint.path)
            head.headers.add(name: "Host", value: endpoint.port == 80 ? endpoint.host : "\(endpoint.host):\(endpoint.port)")
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: String(body.count))
            head.headers.add(name: "Connection", value: "close")
            try await outbound.write(.head(head))
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
            try await outbound.write(.end(nil))
            var status: HTTPResponseStatus?
            var answer = ""
            loop: for try await part in inbound {
                switch part {
                case .head(let response): status = response.status
                case .body(var buffer):
                    if answer.utf8.count < 300 { answer += buffer.readString(length: min(buffer.readableBytes, 300)) ?? "" }
                case .end: break loop
                }
            }
            guard let status else { throw Failure(description: "\(endpoint) closed the connection without an answer") }
            guard (200..<300).contains(status.code) else {
                throw Failure(description: "\(endpoint) answered \(status.code) \(status.reasonPhrase): \(answer.prefix(300))")
            }
        }
    }
}
