import BatonCore
import BatonExpressions
import BatonRuntime
import BatonStore
import BatonStoreSQLite
import Logging

extension BatonConfiguration {
    /// The configuration `baton serve` runs with, and its log level, from resolved settings; every
    /// range and choice is checked here, so `baton config check` refuses exactly what `serve` would.
    public static func serve(_ settings: ResolvedSettings) throws(SettingsError) -> (configuration: BatonConfiguration, logLevel: Logger.Level) {
        var problems: [String] = []
        func checked<T>(_ key: String, _ value: T?, _ valid: (T) -> Bool, _ message: String) -> T? {
            guard let value else { return nil }
            if valid(value) { return value }
            problems.append("\(key) from \(settings.source(key)?.description ?? "?"): \(message)")
            return nil
        }
        let maxMessageBytes = checked("kafka.maxMessageBytes", settings.integer("kafka.maxMessageBytes"), { (32 * 1024...100 * 1024 * 1024).contains($0) }, "must be between 32768 and 104857600")
        let partitions = checked("kafka.partitions", settings.integer("kafka.partitions"), { $0 >= 1 }, "must be at least 1")
        let replication = checked("kafka.replicationFactor", settings.integer("kafka.replicationFactor"), { $0 >= 1 }, "must be at least 1")
        let port = checked("api.port", settings.integer("api.port"), { (0...65535).contains($0) }, "must be a port number from 0 to 65535")
        let cacheMiB = checked("engine.instanceCacheMiB", settings.integer("engine.instanceCacheMiB"), { (0...1_048_576).contains($0) }, "must be between 0 (no cache) and 1048576")
        let synchronous = checked("store.synchronous", settings.text("store.synchronous"), { ["full", "normal"].contains($0.lowercased()) }, "must be full or normal")
        _ = checked("log.format", settings.text("log.format"), { ["text", "json"].contains($0.lowercased()) }, "must be text or json")
        _ = checked("log.fileMaxMiB", settings.integer("log.fileMaxMiB"), { (1...10_240).contains($0) }, "must be between 1 and 10240")
        _ = checked("log.fileKeep", settings.integer("log.fileKeep"), { (1...100).contains($0) }, "must be between 1 and 100")
        let maxRunning = checked("limits.maxRunning", settings.integer("limits.maxRunning"), { (1...10_000_000).contains($0) }, "must be between 1 and 10000000")
        let maxQueued = checked("limits.maxQueued", settings.integer("limits.maxQueued"), { (1...100_000_000).contains($0) }, "must be between 1 and 100000000")
        let highWater = checked("intake.outboxHighWater", settings.integer("intake.outboxHighWater"), { (1...100_000_000).contains($0) }, "must be between 1 and 100000000")
        let lowWater = checked("intake.outboxLowWater", settings.integer("intake.outboxLowWater"), { (0...100_000_000).contains($0) }, "must be between 0 and 100000000")
        var taskRates: [String: Double] = [:]
        for (taskType, text) in settings.map("limits.taskRates").sorted(by: { $0.key < $1.key }) {
            guard let rate = Double(text), rate >= 0.001, rate <= 1_000_000 else {
                problems.append("limits.taskRates.\(taskType) from \(settings.source("limits.taskRates")?.description ?? "?"): '\(text)' must be a number of tasks per second from 0.001 to 1000000")
                continue
            }
            taskRates[taskType] = rate
        }
        func breaker(_ value: JSONValue, _ key: String) -> BreakerPolicy?? {
            if value.stringValue?.lowercased() == "off" { return .some(nil) }
            guard case .object(let fields) = value else {
                problems.append("\(key): must be an object {failures, window, coolDown} or off")
                return nil
            }
            var policy = BreakerPolicy()
            for (name, field) in fields {
                switch name {
                case "failures":
                    guard let n = field.intValue, (1...1_000_000).contains(n) else { problems.append("\(key).failures: must be a whole number from 1 to 1000000"); return nil }
                    policy.failures = n
                case "window", "coolDown":
                    guard let ms = parseDuration(field), ms >= (name == "window" ? 1_000 : 100) else {
                        problems.append("\(key).\(name): must be a duration of at least \(name == "window" ? "1s" : "100ms")")
                        return nil
                    }
                    if name == "window" { policy.windowMilliseconds = ms } else { policy.coolDownMilliseconds = ms }
                default:
                    problems.append("\(key): unknown field '\(name)' (allowed: coolDown, failures, window)")
                    return nil
                }
            }
            return .some(policy)
        }
        var breakers = BreakerSettings()
        if let value = settings.object("breakers.default"), let policy = breaker(value, "breakers.default") { breakers.defaultPolicy = policy }
        if let value = settings.object("breakers.taskTypes") {
            if case .object(let types) = value {
                for (type, entry) in types.sorted(by: { $0.key < $1.key }) {
                    if let policy = breaker(entry, "breakers.taskTypes.\(type)") { breakers.taskTypes[type] = .some(policy) }
                }
            } else {
                problems.append("breakers.taskTypes: must be an object of task types")
            }
        }
        let level = checked("log.level", settings.text("log.level"), { Logger.Level(rawValue: $0.lowercased()) != nil }, "must be trace, debug, info, notice, warning, error or critical")

        func period(_ key: String, _ text: String?, source: String) -> Duration?? {
            guard let text else { return .some(nil) }
            if text.lowercased() == "forever" { return .some(nil) }
            guard let ms = parseDuration(.string(text)), ms >= 60_000 else {
                problems.append("\(key) from \(settings.source(source)?.description ?? "?"): '\(text)' must be a duration of at least 1m (such as 7d or 12h) or forever")
                return nil
            }
            return .some(.milliseconds(ms))
        }
        var retention = RetentionService.Configuration()
        if let finished = period("retention.finished", settings.text("retention.finished") ?? "7d", source: "retention.finished") { retention.finished = finished }
        for (workflow, text) in settings.map("retention.workflows").sorted(by: { $0.key < $1.key }) {
            if let value = period("retention.workflows.\(workflow)", text, source: "retention.workflows") { retention.workflows[workflow] = value }
        }
        retention.dedupeWindow = .milliseconds(settings.milliseconds("retention.dedupeWindow") ?? 86_400_000)

        var tracing = TracingExport(serviceName: settings.text("tracing.serviceName") ?? "baton")
        if let text = settings.text("tracing.otlpEndpoint") {
            switch OTLPEndpoint.parse(text) {
            case .success(let endpoint): tracing.otlpEndpoint = endpoint
            case .failure(let error): problems.append("tracing.otlpEndpoint from \(settings.source("tracing.otlpEndpoint")?.description ?? "?"): '\(text)' \(error)")
            }
        }

        var openProbes: Set<String> = []
        for probe in (settings.text("security.openProbes") ?? "/livez,/readyz").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !probe.isEmpty {
            let path = probe.hasPrefix("/") ? probe : "/" + probe
            if ["/livez", "/readyz", "/metrics"].contains(path) {
                openProbes.insert(path)
            } else {
                problems.append("security.openProbes from \(settings.source("security.openProbes")?.description ?? "?"): '\(probe)' is not one of /livez, /readyz, /metrics")
            }
        }

        var jwt: JWTSettings?
        if let issuer = settings.text("security.jwt.issuer") {
            if let audience = settings.text("security.jwt.audience") {
                jwt = JWTSettings(
                    issuer: issuer, audience: audience, hmacKeyFile: settings.text("security.jwt.hmacKeyFile"), jwksFile: settings.text("security.jwt.jwksFile"),
                    rolesClaim: settings.text("security.jwt.rolesClaim") ?? "roles")
                if jwt?.hmacKeyFile == nil && jwt?.jwksFile == nil {
                    problems.append("security.jwt.issuer is set: security.jwt.hmacKeyFile or security.jwt.jwksFile must name the keys that sign the tokens")
                }
            } else {
                problems.append("security.jwt.issuer is set: security.jwt.audience must be set too")
            }
        } else {
            for key in ["security.jwt.audience", "security.jwt.hmacKeyFile", "security.jwt.jwksFile"] where settings.text(key) != nil {
                problems.append("\(key) is set but security.jwt.issuer is not: tokens would be accepted from no one")
            }
        }

        var store: BatonConfiguration.Store?
        do {
            store = try BatonConfiguration.Store(location: settings.text("store.location") ?? "baton.sqlite", synchronous: synchronous?.lowercased() == "normal" ? .normal : .full)
        } catch {
            problems.append("store.location from \(settings.source("store.location")?.description ?? "?"): \(error.message)")
        }
        var retry = RetryPolicy.none
        if let document = settings.object("engine.defaultRetry") {
            do {
                retry = try DefinitionCompiler.compile(document: ["id": "service-default", "retry": document, "steps": [["id": "s", "type": "succeed"]]]).retry ?? .none
            } catch {
                let details = error.issues.map { "\($0.field.replacingOccurrences(of: "/retry", with: "")): \($0.message)" }.joined(separator: "; ")
                problems.append("engine.defaultRetry from \(settings.source("engine.defaultRetry")?.description ?? "?"): \(details)")
            }
        }
        guard problems.isEmpty, let store else { throw SettingsError(problems: problems) }
        var configuration = BatonConfiguration(
            kafka: .init(
                bootstrapServers: settings.text("kafka.bootstrapServers") ?? "127.0.0.1:9092", topicPrefix: settings.text("kafka.topicPrefix") ?? "baton.",
                groupId: settings.text("kafka.groupId") ?? "baton", properties: settings.map("kafka.properties"),
                createTopics: settings.boolean("kafka.createTopics") ?? true, partitions: partitions ?? 8, replicationFactor: replication ?? 1,
                maxMessageBytes: maxMessageBytes ?? 1_000_000
            ),
            store: store,
            api: .init(
                host: settings.text("api.host") ?? "127.0.0.1", port: port ?? 8080, insecureNoAuth: settings.boolean("security.insecureNoAuth") ?? false,
                openProbes: openProbes),
            defaultRetryPolicy: retry
        )
        configuration.eventWindowMilliseconds = settings.milliseconds("engine.eventWindow") ?? 600_000
        configuration.instanceCacheBytes = (cacheMiB ?? 128) << 20
        configuration.retention = retention
        configuration.tracing = tracing
        configuration.api.jwt = jwt
        configuration.limits = ConcurrencyLimits(maxRunning: maxRunning, maxQueued: maxQueued ?? 100_000)
        configuration.taskRates = taskRates
        configuration.breakers = breakers
        configuration.intake = IntakeLimits(outboxHighWater: highWater ?? 50_000, outboxLowWater: lowWater ?? 10_000)
        return (configuration, Logger.Level(rawValue: (level ?? "info").lowercased()) ?? .info)
    }
}
