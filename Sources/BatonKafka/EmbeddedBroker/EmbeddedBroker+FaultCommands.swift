/// A line-oriented language for the embedded broker's faults, so a test (or a person) can break
/// the cluster of a running `baton dev-broker` by writing to its standard input:
///
///     unreachable | reachable              every request fails with a transport error / stops failing
///     down <broker> | up <broker>          the mock's own broker down/up (see setBrokerDown's caveat)
///     rtt <broker> <ms>                    delay every response of a broker (0: none)
///     error <api> <error> [count]          the next `count` (default 1) requests of an API fail
///     clear <api>                          forget pushed errors of an API
///     leader <topic> <partition> <broker>  move a partition's leader
///     coordinator <group> <broker>         move a consumer group's coordinator
///
/// `<api>` is produce, fetch, list-offsets, metadata, offset-commit, offset-fetch,
/// find-coordinator, join-group, heartbeat, leave-group, sync-group, api-versions or
/// init-producer-id; `<error>` a Kafka error name (e.g. NOT_LEADER_OR_FOLLOWER) or number.
extension EmbeddedBroker {
    public struct FaultCommandError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Applies one command; returns what it did, for the reply line.
    public func apply(faultCommand line: String) throws(FaultCommandError) -> String {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let verb = words.first?.lowercased() else { throw FaultCommandError(description: "empty command") }
        func int(_ index: Int, _ what: String) throws(FaultCommandError) -> Int32 {
            guard index < words.count, let value = Int32(words[index]) else { throw FaultCommandError(description: "\(verb): expected \(what) at position \(index)") }
            return value
        }
        func api(_ index: Int) throws(FaultCommandError) -> Int16 {
            guard index < words.count, let key = Self.apiKeys[words[index].lowercased()] else {
                throw FaultCommandError(description: "\(verb): expected an API name (\(Self.apiKeys.keys.sorted().joined(separator: ", ")))")
            }
            return key
        }
        do {
            switch verb {
            case "unreachable":
                setUnreachable(true)
                return "every request now fails with a transport error"
            case "reachable":
                setUnreachable(false)
                return "requests are served again"
            case "down":
                try setBrokerDown(try int(1, "a broker id"))
                return "broker \(words[1]) down"
            case "up":
                try setBrokerUp(try int(1, "a broker id"))
                return "broker \(words[1]) up"
            case "rtt":
                try setRoundTripTime(broker: try int(1, "a broker id"), milliseconds: Int(try int(2, "milliseconds")))
                return "broker \(words[1]) answers after \(words[2]) ms"
            case "error":
                let key = try api(1)
                guard words.count > 2, let code = Self.errorCode(words[2]) else { throw FaultCommandError(description: "error: expected an error name or number") }
                let count = words.count > 3 ? Int(try int(3, "a count")) : 1
                pushRequestErrors(apiKey: key, errors: Array(repeating: code, count: max(1, count)))
                return "the next \(max(1, count)) \(words[1]) request(s) fail with \(words[2])"
            case "clear":
                clearRequestErrors(apiKey: try api(1))
                return "\(words[1]) errors cleared"
            case "leader":
                guard words.count > 3 else { throw FaultCommandError(description: "leader: expected <topic> <partition> <broker>") }
                try setPartitionLeader(topic: words[1], partition: try int(2, "a partition"), broker: try int(3, "a broker id"))
                return "\(words[1])/\(words[2]) is now led by broker \(words[3])"
            case "coordinator":
                guard words.count > 2 else { throw FaultCommandError(description: "coordinator: expected <group> <broker>") }
                try setCoordinator(keyType: "group", key: words[1], broker: try int(2, "a broker id"))
                return "group \(words[1]) is now coordinated by broker \(words[2])"
            default:
                throw FaultCommandError(description: "unknown command '\(verb)' (unreachable, reachable, down, up, rtt, error, clear, leader, coordinator)")
            }
        } catch let error as FaultCommandError {
            throw error
        } catch {
            throw FaultCommandError(description: "\(verb): \(error)")
        }
    }

    static let apiKeys: [String: Int16] = [
        "produce": KafkaAPIKey.produce, "fetch": KafkaAPIKey.fetch, "list-offsets": KafkaAPIKey.listOffsets,
        "metadata": KafkaAPIKey.metadata, "offset-commit": KafkaAPIKey.offsetCommit, "offset-fetch": KafkaAPIKey.offsetFetch,
        "find-coordinator": KafkaAPIKey.findCoordinator, "join-group": KafkaAPIKey.joinGroup, "heartbeat": KafkaAPIKey.heartbeat,
        "leave-group": KafkaAPIKey.leaveGroup, "sync-group": KafkaAPIKey.syncGroup, "api-versions": KafkaAPIKey.apiVersions,
        "init-producer-id": KafkaAPIKey.initProducerId,
    ]

    /// Kafka protocol error codes by name (the ones worth injecting), or a number.
    static func errorCode(_ text: String) -> Int32? {
        if let number = Int32(text) { return number }
        let names: [String: Int32] = [
            "TRANSPORT": KafkaError.Code.transport.rawValue, "UNKNOWN_TOPIC_OR_PARTITION": 3, "LEADER_NOT_AVAILABLE": 5,
            "NOT_LEADER_OR_FOLLOWER": 6, "NOT_LEADER_FOR_PARTITION": 6, "REQUEST_TIMED_OUT": 7, "NETWORK_EXCEPTION": 13,
            "COORDINATOR_LOAD_IN_PROGRESS": 14, "COORDINATOR_NOT_AVAILABLE": 15, "NOT_COORDINATOR": 16, "NOT_ENOUGH_REPLICAS": 19,
            "NOT_ENOUGH_REPLICAS_AFTER_APPEND": 20, "REBALANCE_IN_PROGRESS": 27, "KAFKA_STORAGE_ERROR": 56,
        ]
        return names[text.uppercased()]
    }
}
