import BatonCore
import Logging

/// Log records as text lines, in swift-log's `StreamLogHandler` layout
/// (`time level label: metadata [source] message`), written where `write` says: the log file of
/// `log.file`, which `StreamLogHandler` cannot target.
public struct TextLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    let label: String
    let write: @Sendable ([UInt8]) -> Void

    public init(label: String, write: @escaping @Sendable ([UInt8]) -> Void) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let pretty = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        write(Array("\(Timestamp.wallClock.iso8601) \(event.level) \(label):\(pretty) [\(event.source)] \(event.message)\n".utf8))
    }
}
