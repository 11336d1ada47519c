import Synchronization

/// The embedded brokers alive in this process, by address.
///
/// The mock cluster does not answer CreateTopics (librdkafka's request waits for a controller
/// until it times out), so ``KafkaAdmin/createTopics(configuration:topics:timeout:)`` looks
/// here first and creates topics on an in-process embedded broker directly. Another process
/// that bootstraps through an embedded broker cannot do that and relies on auto-creation.
enum EmbeddedBrokerRegistry {
    private struct Entry: Sendable {
        weak var cluster: MockCluster?
    }

    private static let entries = Mutex<[String: Entry]>([:])

    static func register(_ cluster: MockCluster, addresses: [String]) {
        entries.withLock { entries in
            for address in addresses { entries[address] = Entry(cluster: cluster) }
            entries = entries.filter { $0.value.cluster != nil }
        }
    }

    static func unregister(addresses: [String]) {
        entries.withLock { entries in
            for address in addresses { entries[address] = nil }
        }
    }

    /// The embedded broker that one of the `bootstrapServers` addresses belongs to, if any.
    static func cluster(for bootstrapServers: String) -> MockCluster? {
        let addresses = split(bootstrapServers)
        return entries.withLock { entries -> MockCluster? in
            for address in addresses {
                if let cluster = entries[address]?.cluster { return cluster }
            }
            return nil
        }
    }

    static func split(_ bootstrapServers: String) -> [String] {
        bootstrapServers.split(separator: ",").map { part in
            var address = part.trimmingPrefix(while: \.isWhitespace)
            if let scheme = address.firstRange(of: "://") { address = address[scheme.upperBound...] }
            return String(address).trimmingSuffix()
        }
    }
}

private extension String {
    func trimmingSuffix() -> String {
        var result = self
        while let last = result.last, last.isWhitespace { result.removeLast() }
        return result
    }
}
