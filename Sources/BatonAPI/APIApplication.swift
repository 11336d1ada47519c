import BatonRuntime
import BatonStore
import Hummingbird
import Logging

/// The Baton REST API as a runnable HTTP server.
///
/// The result is a swift-service-lifecycle `Service`: the composition root puts it in its
/// `ServiceGroup`, which starts it and shuts it down gracefully with everything else.
///
/// - Parameters:
///   - authentication: who may call (see `APIAuthentication`); there is no default.
///   - configuration: bind address, body limit, `Retry-After`.
///   - onServerRunning: called once the socket is bound, with the actual port. This is how a
///     caller that asked for port 0 (tests, ephemeral servers) learns where to connect.
public func buildAPIApplication(
    service: some WorkflowService,
    schedules: (any ScheduleOperations)? = nil,
    metrics: (any MetricsExposition)? = nil,
    logLevels: LogLevelSwitch? = nil,
    authentication: APIAuthentication,
    audit: (any AuditStore)? = nil,
    keys: (any APIKeyStore)? = nil,
    configuration: APIConfiguration = APIConfiguration(),
    logger: Logger = Logger(label: "baton.api"),
    onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let requestedPort = configuration.port
    return Application(
        router: makeRouter(service: service, schedules: schedules, metrics: metrics, logLevels: logLevels, authentication: authentication, audit: audit, keys: keys, configuration: configuration, logger: logger),
        server: .http1(configuration: .init(additionalChannelHandlers: [ParserErrorResponder()])),
        configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        onServerRunning: { channel in
            await onServerRunning(channel.localAddress?.port ?? requestedPort)
        },
        logger: logger
    )
}
