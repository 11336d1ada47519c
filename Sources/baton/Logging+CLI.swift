import BatonRuntime
import Logging
import Synchronization

/// The process's one log level: every logger `makeLogger` makes reads it, and
/// `PUT /v1/admin/log-level` changes it while `serve` or `dev` runs.
let processLogLevels = LogLevelSwitch(.info)

/// Where `log.file` sends the logs.
struct LogFileSettings {
    var path: String
    var maxMiB: Int
    var keep: Int
}

/// A logger for the CLI's long-running commands, as text or JSON lines, on standard error or in a
/// rotated file. The level is `level`, else `BATON_LOG_LEVEL` (trace…critical), else `info`; the
/// format is `format`, else `BATON_LOG_FORMAT` (text or json), else text.
func makeLogger(_ label: String, level: Logger.Level? = nil, format: String? = nil, file: LogFileSettings? = nil) throws -> Logger {
    let fromEnvironment = ProcessEnvironment.value("BATON_LOG_LEVEL").flatMap { Logger.Level(rawValue: $0.lowercased()) }
    processLogLevels.level = level ?? fromEnvironment ?? .info
    let json = (format ?? ProcessEnvironment.value("BATON_LOG_FORMAT") ?? "text").lowercased() == "json"
    let handler: @Sendable (String) -> any LogHandler
    if let file {
        let sink = try RotatingLogFile(path: file.path, maxBytes: file.maxMiB << 20, keep: file.keep)
        handler = { label in LineLogHandler(label: label, format: json ? .json : .text, write: sink.write) }
    } else {
        handler = { label -> any LogHandler in json ? LineLogHandler(label: label, format: .json) : StreamLogHandler.standardError(label: label) }
    }
    // Loggers libraries make for themselves (`Logger(label:)`) write to the same place in the same
    // format, at their own levels: only Baton's loggers follow the run-time switch.
    bootstrapOnce.withLock { done in
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap(handler)
    }
    return Logger(label: label) { label in processLogLevels.makeHandler(handler(label)) }
}

private let bootstrapOnce = Mutex(false)

/// `makeLogger` for commands that write no log file (it cannot fail then).
func makeLogger(_ label: String) -> Logger {
    (try? makeLogger(label, level: nil, format: nil, file: nil)) ?? Logger(label: label)
}

enum ProcessEnvironment {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        let s = String(cString: raw)
        return s.isEmpty ? nil : s
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
