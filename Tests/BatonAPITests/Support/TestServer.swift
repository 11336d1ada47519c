import BatonAPI
import BatonRuntime
import BatonStore
import Logging

/// Runs the real API application on 127.0.0.1 with an OS-chosen port for the duration of `body`.
///
/// The port arrives through `onServerRunning`, exactly as a composition root would learn it, and
/// the server is stopped by cancelling its task when `body` returns or throws.
func withAPIServer(
    _ service: some WorkflowService,
    schedules: (any ScheduleOperations)? = nil,
    logLevels: LogLevelSwitch? = nil,
    authentication: APIAuthentication = .disabled,
    audit: (any AuditStore)? = nil,
    keys: (any APIKeyStore)? = nil,
    configuration: APIConfiguration = APIConfiguration(),
    _ body: (RawHTTPClient) async throws -> Void
) async throws {
    var configuration = configuration
    configuration.host = "127.0.0.1"
    configuration.port = 0
    var logger = Logger(label: "baton.api.tests")
    logger.logLevel = .critical
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let application = buildAPIApplication(service: service, schedules: schedules, logLevels: logLevels, authentication: authentication, audit: audit, keys: keys, configuration: configuration, logger: logger) { port in
        portContinuation.yield(port)
        portContinuation.finish()
    }
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            do {
                try await application.run()
            } catch {
                portContinuation.finish()
                throw error
            }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw RawHTTPClient.Failure(description: "the server never started") }
        do {
            try await body(RawHTTPClient(port: port))
        } catch {
            group.cancelAll()
            throw error
        }
        group.cancelAll()
    }
}
