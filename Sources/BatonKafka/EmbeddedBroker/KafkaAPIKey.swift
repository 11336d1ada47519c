/// Kafka protocol request types (ApiKey), for the embedded broker's fault injection.
public enum KafkaAPIKey {
    public static let produce: Int16 = 0
    public static let fetch: Int16 = 1
    public static let listOffsets: Int16 = 2
    public static let metadata: Int16 = 3
    public static let offsetCommit: Int16 = 8
    public static let offsetFetch: Int16 = 9
    public static let findCoordinator: Int16 = 10
    public static let joinGroup: Int16 = 11
    public static let heartbeat: Int16 = 12
    public static let leaveGroup: Int16 = 13
    public static let syncGroup: Int16 = 14
    public static let apiVersions: Int16 = 18
    public static let createTopics: Int16 = 19
    public static let initProducerId: Int16 = 22
    public static let addPartitionsToTxn: Int16 = 24
    public static let endTxn: Int16 = 26

    /// Every request type a Baton client sends.
    public static let all: [Int16] = [
        produce, fetch, listOffsets, metadata, offsetCommit, offsetFetch, findCoordinator, joinGroup, heartbeat, leaveGroup, syncGroup,
        apiVersions, initProducerId,
    ]
}
