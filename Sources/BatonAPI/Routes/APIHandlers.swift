import BatonRuntime
import Hummingbird

/// The API's request handlers over one `WorkflowService`, and the table of routes they serve.
///
/// Handlers translate HTTP into service calls and back; they throw `Problem` or `ServiceError`
/// and leave rendering to `ProblemMiddleware`. They are split by resource across files
/// (`APIHandlers+Definitions.swift`, `+Instances`, `+Health`).
struct APIHandlers<Service: WorkflowService>: Sendable {
    let service: Service
    /// Nil with a store that keeps no schedules: the schedule routes then answer 404.
    let schedules: (any ScheduleOperations)?
    /// Nil when the application exports no metrics: `/metrics` then answers 404.
    let metrics: (any MetricsExposition)?
    /// Nil when the process's log level is fixed: the log-level routes then answer 404.
    let logLevels: LogLevelSwitch?
    let configuration: APIConfiguration

    /// Every route the API serves. `schemas/openapi.yaml` must list exactly these.
    var routes: [APIRoute] {
        [
            APIRoute(.post, "/v1/definitions", registerDefinition),
            APIRoute(.get, "/v1/definitions", listDefinitions),
            APIRoute(.get, "/v1/definitions/{id}", latestDefinition),
            APIRoute(.get, "/v1/definitions/{id}/versions", definitionVersions),
            APIRoute(.get, "/v1/definitions/{id}/versions/{version}", definitionVersion),
            APIRoute(.post, "/v1/workflows/{id}/instances", startInstance),
            APIRoute(.get, "/v1/instances", listInstances),
            APIRoute(.get, "/v1/instances/{id}", instance),
            APIRoute(.get, "/v1/instances/{id}/history", history),
            APIRoute(.get, "/v1/instances/{id}/steps", stepExecutions),
            APIRoute(.post, "/v1/instances/{id}/cancel", cancelInstance),
            APIRoute(.post, "/v1/instances/{id}/pause", operation { _ in .pause }),
            APIRoute(.post, "/v1/instances/{id}/resume", operation { _ in .resume }),
            APIRoute(.post, "/v1/instances/{id}/retry", operation { _ in .retry }),
            APIRoute(.post, "/v1/instances/{id}/rerun", operation(Self.rerunOperation)),
            APIRoute(.post, "/v1/instances/{id}/signals/{name}", signal),
            APIRoute(.get, "/v1/dead-letters", listDeadLetters),
            APIRoute(.get, "/v1/dead-letters/{id}", deadLetter),
            APIRoute(.post, "/v1/dead-letters/{id}/redrive", redriveDeadLetter),
            APIRoute(.post, "/v1/dead-letters/redrive", redriveDeadLetters),
            APIRoute(.get, "/v1/outbox/parked", listParkedOutbox),
            APIRoute(.get, "/v1/circuits", listCircuits),
            APIRoute(.post, "/v1/schedules", createSchedule),
            APIRoute(.get, "/v1/schedules", listSchedules),
            APIRoute(.get, "/v1/schedules/{id}", schedule),
            APIRoute(.delete, "/v1/schedules/{id}", deleteSchedule),
            APIRoute(.post, "/v1/schedules/{id}/pause", pauseSchedule(true)),
            APIRoute(.post, "/v1/schedules/{id}/resume", pauseSchedule(false)),
            APIRoute(.post, "/v1/schedules/{id}/trigger", triggerSchedule),
            APIRoute(.get, "/openapi.yaml", openAPI),
            APIRoute(.get, "/livez", live),
            APIRoute(.get, "/readyz", ready),
            APIRoute(.get, "/metrics", scrapeMetrics),
            APIRoute(.get, "/v1/admin/log-level", logLevel),
            APIRoute(.put, "/v1/admin/log-level", setLogLevel),
        ]
    }
}
