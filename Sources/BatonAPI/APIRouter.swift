import BatonRuntime
import Hummingbird

/// The router of the Baton REST API over `service`.
///
/// Exposed separately from `buildAPIApplication` so a composition root can mount extra routes
/// or middleware, and so tests can inspect `router.routes` against `schemas/openapi.yaml`.
public func makeRouter(
    service: some WorkflowService, schedules: (any ScheduleOperations)? = nil, metrics: (any MetricsExposition)? = nil,
    logLevels: LogLevelSwitch? = nil, configuration: APIConfiguration = APIConfiguration()
) -> Router<BasicRequestContext> {
    let routes = APIHandlers(service: service, schedules: schedules, metrics: metrics, logLevels: logLevels, configuration: configuration).routes
    let router = Router(context: BasicRequestContext.self)
    // Added before the routes: Hummingbird applies middleware only to routes registered after it.
    router.add(middleware: ProblemMiddleware(routes: RouteIndex(routes), retryAfterSeconds: configuration.retryAfterSeconds))
    for route in routes {
        router.on(RouterPath(route.path), method: route.method, use: route.handler)
    }
    return router
}
