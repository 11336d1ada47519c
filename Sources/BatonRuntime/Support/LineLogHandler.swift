import BatonCore
import BatonExpressions
import Foundation
import Logging
import Synchronization

/// Log records as lines, written where `write` says (standard error by default, or the rotated
/// file of `log.file`, which swift-log's `StreamLogHandler` cannot target), in one of two formats:
///
/// - `text`: `StreamLogHandler`'s layout, `time level label: metadata [source] message`;
/// - `json` (`log.format: json`): one object per line — `time`, `level`, `label`, `message`,
///   `source`, `metadata` — for shippers that index fields. Newlines and quotes in messages and
///   ids are escaped by the JSON encoding, so one record is always one line.
public struct LineLogHandler: LogHandler {
    public enum Format: Sendable { case text, json }

    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    let label: String
    let format: Format
    let write: @Sendable ([UInt8]) -> Void
    private static let output = Mutex(())

    /// - Parameter write: where each line goes (standard error, one `write(2)` per line).
    public init(label: String, format: Format, write: @escaping @Sendable ([UInt8]) -> Void = LineLogHandler.standardError) {
        self.label = label
        self.format = format
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let time = Timestamp.wallClock.iso8601
        switch format {
        case .text:
            let pretty = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\(Self.oneLine($0.key))=\(Self.oneLine("\($0.value)"))" }.joined(separator: " ")
            write(Array("\(time) \(event.level) \(label):\(pretty) [\(event.source)] \(Self.oneLine(event.message.description))\n".utf8))
        case .json:
            var record: [String: JSONValue] = [
                "time": .string(time), "level": .string(event.level.rawValue), "label": .string(label),
                "message": .string(event.message.description), "source": .string(event.source),
            ]
            if !merged.isEmpty { record["metadata"] = .object(merged.mapValues(Self.json)) }
            write(Array((JSONValue.object(record).serialized() + "\n").utf8))
        }
    }

    /// The text with line breaks and other control characters escaped (`\\n`, `\\u{1B}`): an id, a
    /// reason or a header a caller chose cannot start a forged log line, nor hide in a terminal.
    static func oneLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// One write(2) per record, under a lock, so records of several threads never interleave.
    public static func standardError(_ line: [UInt8]) {
        output.withLock { _ in
            line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
    }

    private static func json(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let s): return .string(s)
        case .stringConvertible(let c): return .string(c.description)
        case .array(let values): return .array(values.map(json))
        case .dictionary(let members): return .object(members.mapValues(json))
        }
    }
}
