import Foundation
import Logging
import Testing

@testable import BatonKafka

/// Shared helpers: every test gets its own embedded broker and unique names, so tests run in
/// parallel without seeing each other's data.
enum TestSupport {
    static let logger: Logger = {
        var logger = Logger(label: "baton.kafka.tests")
        // librdkafka logs broker outages at error level; the fault tests cause them on purpose.
        logger.logLevel = .critical
        return logger
    }()

    static func unique(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    static func configuration(_ bootstrapServers: String, properties: [String: String] = [:]) -> KafkaConfiguration {
        KafkaConfiguration(
            bootstrapServers: bootstrapServers,
            clientId: "baton-tests",
            properties: EmbeddedBroker.recommendedClientProperties.merging(properties) { $1 }
        )
    }

    static func consumer(
        _ bootstrapServers: String,
        group: String,
        topics: [String],
        maxBatchSize: Int = 500,
        sessionTimeout: Duration = .seconds(6)
    ) throws -> KafkaConsumer {
        try KafkaConsumer(
            configuration: configuration(bootstrapServers),
            // Short sessions: a member that did not leave cleanly blocks a rejoin that long.
            options: .init(groupId: group, topics: topics, maxBatchSize: maxBatchSize, sessionTimeout: sessionTimeout),
            logger: logger
        )
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Iterates `consumer.batches` until `count` messages arrived; fails after `limit`.
    static func collect(_ consumer: KafkaConsumer, count: Int, within limit: Duration = .seconds(20)) async throws -> [KafkaMessage] {
        try await withDeadline(limit, "waiting for \(count) messages") {
            var messages: [KafkaMessage] = []
            for await batch in consumer.batches {
                messages += batch
                if messages.count >= count { break }
            }
            return messages
        }
    }

    /// Collects whatever arrives during `window` (to prove that nothing else is delivered).
    static func drain(_ consumer: KafkaConsumer, for window: Duration) async -> [KafkaMessage] {
        await withTaskGroup(of: [KafkaMessage].self) { group in
            group.addTask {
                var messages: [KafkaMessage] = []
                for await batch in consumer.batches { messages += batch }
                return messages
            }
            try? await Task.sleep(for: window)
            group.cancelAll()
            return await group.next() ?? []
        }
    }

    struct DeadlineExceeded: Error, CustomStringConvertible {
        var what: String
        var description: String { "deadline exceeded while \(what)" }
    }

    /// Bounds every wait in the suite, so a broken client fails a test instead of hanging it.
    static func withDeadline<T: Sendable>(
        _ limit: Duration,
        _ what: String,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw DeadlineExceeded(what: what)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// Polls `condition` until it holds or `limit` passes.
    static func eventually(within limit: Duration = .seconds(15), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    /// A loopback port that was free a moment ago (the kernel picks it).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw DeadlineExceeded(what: "finding a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
