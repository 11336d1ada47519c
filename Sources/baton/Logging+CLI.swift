import Logging

/// A logger for the CLI's long-running commands; `BATON_LOG_LEVEL` (trace…critical) overrides `info`.
func makeLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    if let raw = ProcessEnvironment.value("BATON_LOG_LEVEL"), let level = Logger.Level(rawValue: raw.lowercased()) {
        logger.logLevel = level
    } else {
        logger.logLevel = .info
    }
    return logger
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
