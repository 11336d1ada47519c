import BatonRuntime
import Logging

/// The process's one log level: every logger `makeLogger` makes reads it, and
/// `PUT /v1/admin/log-level` changes it while `serve` or `dev` runs.
let processLogLevels = LogLevelSwitch(.info)

/// A logger for the CLI's long-running commands, writing to standard error as text or JSON lines.
/// The level is `level`, else `BATON_LOG_LEVEL` (trace…critical), else `info`; the format is
/// `format`, else `BATON_LOG_FORMAT` (text or json), else text.
func makeLogger(_ label: String, level: Logger.Level? = nil, format: String? = nil) -> Logger {
    let fromEnvironment = ProcessEnvironment.value("BATON_LOG_LEVEL").flatMap { Logger.Level(rawValue: $0.lowercased()) }
    processLogLevels.level = level ?? fromEnvironment ?? .info
    let json = (format ?? ProcessEnvironment.value("BATON_LOG_FORMAT") ?? "text").lowercased() == "json"
    return Logger(label: label) { label in
        processLogLevels.makeHandler(json ? JSONLinesLogHandler(label: label) : StreamLogHandler.standardError(label: label))
    }
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
