import Logging
import Synchronization

/// One log level for every logger of a process, changeable while it runs (`PUT /v1/admin/log-level`).
///
/// swift-log copies a logger's level into each copy of its handler; a process hands copies of its
/// logger to every service, so changing one copy's level would change nothing else. Handlers made
/// by `makeHandler` read the level from here on every call instead (one relaxed atomic load).
public final class LogLevelSwitch: Sendable {
    private let raw: Atomic<UInt8>

    public init(_ level: Logger.Level = .info) {
        raw = Atomic(Self.code(level))
    }

    public var level: Logger.Level {
        get { Logger.Level.allCases[Int(raw.load(ordering: .relaxed))] }
        set { raw.store(Self.code(newValue), ordering: .relaxed) }
    }

    /// A handler writing through `inner` at this switch's level.
    public func makeHandler(_ inner: any LogHandler) -> any LogHandler {
        SwitchedLogHandler(inner: inner, levels: self)
    }

    private static func code(_ level: Logger.Level) -> UInt8 {
        UInt8(Logger.Level.allCases.firstIndex(of: level) ?? 2)
    }
}

struct SwitchedLogHandler: LogHandler {
    var inner: any LogHandler
    let levels: LogLevelSwitch

    var logLevel: Logger.Level {
        get { levels.level }
        set { levels.level = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        inner.log(event: event)
    }
}
