import Testing

@testable import BatonKafka

@Suite("Configuration errors")
struct ConfigurationErrorTests {
    @Test
    func unknownPropertyGivesAnErrorThatNamesTheProperty() throws {
        let configuration = KafkaConfiguration(bootstrapServers: "127.0.0.1:1", properties: ["no.such.property": "1"])
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(configuration: configuration, logger: TestSupport.logger)
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("no.such.property") == true)
        #expect(error?.isRetriable == false)
        #expect(error?.context.contains("creating producer") == true)
    }

    @Test
    func unknownPropertyFailsTheConsumerToo() throws {
        let configuration = KafkaConfiguration(bootstrapServers: "127.0.0.1:1", properties: ["fetch.wait.max.msec": "2"])
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaConsumer(
                configuration: configuration,
                options: .init(groupId: "g", topics: ["t"]),
                logger: TestSupport.logger
            )
        }
        #expect(error?.message.contains("fetch.wait.max.msec") == true)
        #expect(error?.context == "creating consumer for group g")
    }

    @Test
    func invalidValueGivesAnErrorThatNamesTheProperty() throws {
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(
                configuration: KafkaConfiguration(bootstrapServers: "127.0.0.1:1", properties: ["acks": "banana"]),
                logger: TestSupport.logger
            )
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("\"acks\"") == true)
    }

    @Test
    func rejectedSecretPropertyIsNamedButItsValueIsNot() throws {
        let conf = RDKafkaConf(operation: "testing")
        // Not supported by Debian's librdkafka build, so librdkafka rejects it.
        let error = #expect(throws: KafkaError.self) { try conf.set("sasl.oauthbearer.client.secret", "hunter2") }
        #expect(error?.message.contains("sasl.oauthbearer.client.secret") == true)
        #expect(error?.description.contains("hunter2") == false)
    }

    @Test
    func errorDescriptionSaysWhatFailedWhereAndWhetherToRetry() {
        let error = KafkaError(code: .timedOut, message: "no answer", context: "flushing producer")
        #expect(error.isRetriable)
        #expect(error.code.name == "_TIMED_OUT")
        #expect(error.description.contains("_TIMED_OUT, retriable while flushing producer: no answer"))
        #expect(KafkaError.Code(rawValue: 3).name == "UNKNOWN_TOPIC_OR_PART")
    }
}
