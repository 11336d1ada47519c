import BatonExpressions
import Testing

@testable import BatonServer

/// `tracing.*`: the collector URL is checked when the settings are, with a reason for each refusal.
@Suite struct TracingSettingsTests {
    @Test func anOTLPEndpointIsAnHTTPURLWithOTLPsDefaults() throws {
        #expect(try OTLPEndpoint.parse("http://collector:4318/v1/traces").get() == OTLPEndpoint(host: "collector", port: 4318, path: "/v1/traces"))
        #expect(try OTLPEndpoint.parse("http://collector").get() == OTLPEndpoint(host: "collector", port: 4318, path: "/v1/traces"))
        #expect(try OTLPEndpoint.parse("http://10.0.0.7:55681/").get() == OTLPEndpoint(host: "10.0.0.7", port: 55681, path: "/v1/traces"))
        #expect(try OTLPEndpoint.parse("http://[::1]:4318/otlp/v1/traces").get() == OTLPEndpoint(host: "::1", port: 4318, path: "/otlp/v1/traces"))
        #expect(OTLPEndpoint(host: "::1", port: 4318).description == "http://[::1]:4318/v1/traces")
        for (text, reason) in [
            ("https://collector:4318", "https is not supported"), ("collector:4318", "must be an http:// URL"), ("http://:4318", "names no host"),
            ("http://c:0", "port outside"), ("http://c:x", "invalid port"), ("http://c/v1/traces?x=1", "query or fragment"),
        ] {
            switch OTLPEndpoint.parse(text) {
            case .success(let endpoint): Issue.record("\(text) parsed as \(endpoint)")
            case .failure(let error): #expect(error.description.contains(reason), "\(text): \(error)")
            }
        }
    }

    @Test func theSettingsNameABadEndpointAndSetAGoodOne() throws {
        let bad = try SettingsTests.resolve(environment: ["BATON_OTLP_ENDPOINT": "https://otel:4318"])
        #expect {
            try BatonConfiguration.serve(bad)
        } throws: { error in
            (error as? SettingsError)?.problems.first?.hasPrefix("tracing.otlpEndpoint from $BATON_OTLP_ENDPOINT: 'https://otel:4318' https is not supported") == true
        }
        let good = try SettingsTests.resolve(file: ["tracing": ["otlpEndpoint": "http://otel:4318", "serviceName": "baton-eu"]])
        let (configuration, _) = try BatonConfiguration.serve(good)
        #expect(configuration.tracing.otlpEndpoint == OTLPEndpoint(host: "otel", port: 4318))
        #expect(configuration.tracing.serviceName == "baton-eu")
        #expect(try BatonConfiguration.serve(SettingsTests.resolve()).configuration.tracing.otlpEndpoint == nil, "off unless a collector is named")
    }
}
