import BatonCore
import BatonRuntime
import BatonStore
import Hummingbird
import Logging

/// The router of the Baton REST API over `service`.
///
/// Exposed separately from `buildAPIApplication` so a composition root can mount extra routes
/// or middleware, and so tests can inspect `router.routes` against `schemas/openapi.yaml`.
///
/// - Parameter authentication: required, so no caller gets an open API by leaving it out.
public func makeRouter(
    service: some WorkflowService, schedules: (any ScheduleOperations)? = nil, metrics: (any MetricsExposition)? = nil,
    logLevels: LogLevelSwitch? = nil, authentication: APIAuthentication, audit: (any AuditStore)? = nil, keys: (any APIKeyStore)? = nil,
    configuration: APIConfiguration = APIConfiguration(), clock: @escaping @Sendable () -> Timestamp = { .wallClock }, logger: Logger = Logger(label: "baton.api")
) -> Router<APIRequestContext> {
    let routes = APIHandlers(service: service, schedules: schedules, metrics: metrics, logLevels: logLevels, audit: audit, keys: keys, configuration: configuration).routes
    let access = AccessControl(authentication: authentication, service: service, schedules: schedules, audit: audit, clock: clock, logger: logger)
    let router = Router(context: APIRequestContext.self)
    // Added before the routes: Hummingbird applies middleware only to routes registered after it.
    router.add(middleware: ProblemMiddleware(routes: RouteIndex(routes), retryAfterSeconds: configuration.retryAfterSeconds))
    for route in routes {
        router.on(RouterPath(route.path), method: route.method, use: access.guarding(route))
    }
    return router
}
