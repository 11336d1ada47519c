import BatonCore
import BatonExpressions
import Foundation
import Testing

@testable import BatonServer

/// `baton serve`'s settings: defaults < file < environment < flags, every problem named.
@Suite("Settings")
struct SettingsTests {
    static func resolve(file: JSONValue? = nil, environment: [String: String] = [:], flags: [String: [String]] = [:]) throws -> ResolvedSettings {
        try SettingsResolver.resolve(Setting.serve, file: file.map { ("baton.yaml", $0) }, environment: environment, flags: flags)
    }

    @Test func laterLayersWinAndSayWhereTheValueCameFrom() throws {
        let file: JSONValue = ["api": ["port": 9000, "host": "0.0.0.0"], "kafka": ["groupId": "from-file"]]
        let settings = try Self.resolve(file: file, environment: ["BATON_API_PORT": "9100", "BATON_GROUP_ID": "from-env"], flags: ["api-port": ["9200"]])
        #expect(settings.integer("api.port") == 9200)
        #expect(settings.source("api.port") == .flag("api-port"))
        #expect(settings.text("kafka.groupId") == "from-env")
        #expect(settings.source("kafka.groupId") == .environment("BATON_GROUP_ID"))
        #expect(settings.text("api.host") == "0.0.0.0")
        #expect(settings.source("api.host") == .file("baton.yaml"))
        #expect(settings.text("kafka.topicPrefix") == "baton.")
        #expect(settings.source("kafka.topicPrefix") == .defaultValue)
    }

    @Test func kafkaPropertiesMergeAndSecretsAreMasked() throws {
        let file: JSONValue = ["kafka": ["properties": ["security.protocol": "SASL_SSL", "sasl.password": "hunter2", "linger.ms": 5]], "store": ["location": "postgres://baton:s3cret@db:5432/baton"]]
        let settings = try Self.resolve(file: file, flags: ["kafka-property": ["linger.ms=10", "ssl.key.password=k"]])
        #expect(settings.map("kafka.properties") == ["security.protocol": "SASL_SSL", "sasl.password": "hunter2", "linger.ms": "10", "ssl.key.password": "k"])
        let report = settings.report()
        #expect(report.contains("kafka.properties = linger.ms=10, sasl.password=***, security.protocol=SASL_SSL, ssl.key.password=***  (--kafka-property)"))
        #expect(report.contains("store.location = postgres://baton:***@db:5432/baton  (baton.yaml)"))
        #expect(!report.contains("hunter2") && !report.contains("s3cret"))
    }

    @Test func everyProblemIsNamedAtOnce() {
        let file: JSONValue = ["api": ["prot": 9000], "kafka": ["partitions": "many"], "enigne": ["x": 1]]
        #expect(throws: SettingsError(problems: [
            "baton.yaml: unknown setting 'api.prot' (did you mean 'api.port'?)",
            "baton.yaml: unknown setting 'enigne'",
            "kafka.partitions from baton.yaml: 'many' is not a whole number",
            "kafka.createTopics from $BATON_CREATE_TOPICS: must be true or false, got 'yes'",
            "kafka.properties from --kafka-property: takes key=value, got 'linger.ms'",
            "engine.eventWindow from --event-window: 'forever' is not a duration such as 30s, 10m or 1h",
        ])) {
            try Self.resolve(file: file, environment: ["BATON_CREATE_TOPICS": "yes"], flags: ["event-window": ["forever"], "kafka-property": ["linger.ms"]])
        }
    }

    @Test func rangesAndChoicesAreCheckedBeforeServing() throws {
        let settings = try Self.resolve(environment: ["BATON_MAX_MESSAGE_BYTES": "5", "BATON_SYNCHRONOUS": "sometimes"], flags: ["default-retry": ["{\"maxAttempts\": 0}"]])
        #expect {
            try BatonConfiguration.serve(settings)
        } throws: { error in
            let problems = (error as? SettingsError)?.problems ?? []
            return problems.count == 3
                && problems[0] == "kafka.maxMessageBytes from $BATON_MAX_MESSAGE_BYTES: must be between 32768 and 104857600"
                && problems[1] == "store.synchronous from $BATON_SYNCHRONOUS: must be full or normal"
                && problems[2].hasPrefix("engine.defaultRetry from --default-retry: ")
        }
    }

    @Test func aFileBuildsTheWholeConfiguration() throws {
        let yaml = """
            kafka:
              bootstrapServers: k1:9092,k2:9092
              createTopics: false
              properties: {security.protocol: SSL}
            store: {location: state.sqlite, synchronous: normal}
            api: {host: 0.0.0.0, port: 9000}
            engine:
              defaultRetry: {maxAttempts: 3, initialInterval: 1s}
              eventWindow: 30s
              instanceCacheMiB: 64
            log: {level: debug}
            """
        let settings = try Self.resolve(file: try DefinitionDocument.parse(yaml))
        let (configuration, level) = try BatonConfiguration.serve(settings)
        #expect(configuration.kafka.bootstrapServers == "k1:9092,k2:9092")
        #expect(configuration.kafka.createTopics == false)
        #expect(configuration.kafka.properties == ["security.protocol": "SSL"])
        #expect(configuration.store.path == "state.sqlite" && configuration.store.synchronous == .normal)
        #expect(configuration.api.host == "0.0.0.0" && configuration.api.port == 9000)
        #expect(configuration.defaultRetryPolicy.maxAttempts == 3)
        #expect(configuration.eventWindowMilliseconds == 30_000)
        #expect(configuration.instanceCacheBytes == 64 << 20)
        #expect(level == .debug)
    }

    /// The README's table is the catalog's: a setting added without its row fails here.
    @Test func theReadmeListsEverySetting() throws {
        let readme = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md"), encoding: .utf8)
        let table = Setting.markdownTable(Setting.serve)
        #expect(readme.contains(table), "README.md must contain the settings table:\n\(table)")
    }
}
