import BatonRuntime
import BatonStore
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
    /// Nil when the store keeps no audit log: `/v1/audit` then answers 404.
    let audit: (any AuditStore)?
    /// Nil when the store keeps no API keys: the key routes then answer 404.
    var keys: (any APIKeyStore)? = nil
    let configuration: APIConfiguration

    /// Every route the API serves. `schemas/openapi.yaml` must list exactly these.
    var routes: [APIRoute] {
        [
            APIRoute(.post, "/v1/definitions", .body(.definitionsWrite), registerDefinition),
            APIRoute(.get, "/v1/definitions", .listing(.definitionsRead), listDefinitions),
            APIRoute(.get, "/v1/definitions/{id}", .workflow(.definitionsRead), latestDefinition),
            APIRoute(.get, "/v1/definitions/{id}/versions", .workflow(.definitionsRead), definitionVersions),
            APIRoute(.get, "/v1/definitions/{id}/versions/{version}", .workflow(.definitionsRead), definitionVersion),
            APIRoute(.post, "/v1/workflows/{id}/instances", .workflow(.instancesStart), startInstance),
            APIRoute(.get, "/v1/instances", .listing(.instancesRead), listInstances),
            APIRoute(.get, "/v1/instances/{id}", .instance(.instancesRead), instance),
            APIRoute(.get, "/v1/instances/{id}/history", .instance(.instancesRead), history),
            APIRoute(.get, "/v1/instances/{id}/steps", .instance(.instancesRead), stepExecutions),
            APIRoute(.post, "/v1/instances/{id}/cancel", .instance(.instancesOperate), cancelInstance),
            APIRoute(.post, "/v1/instances/{id}/pause", .instance(.instancesOperate), operation { _ in .pause }),
            APIRoute(.post, "/v1/instances/{id}/resume", .instance(.instancesOperate), operation { _ in .resume }),
            APIRoute(.post, "/v1/instances/{id}/retry", .instance(.instancesOperate), operation { _ in .retry }),
            APIRoute(.post, "/v1/instances/{id}/rerun", .instance(.instancesOperate), operation(Self.rerunOperation)),
            APIRoute(.post, "/v1/instances/{id}/signals/{name}", .instance(.instancesSignal), signal),
            APIRoute(.get, "/v1/dead-letters", .global(.deadLettersRead), listDeadLetters),
            APIRoute(.get, "/v1/dead-letters/{id}", .global(.deadLettersRead), deadLetter),
            APIRoute(.post, "/v1/dead-letters/{id}/redrive", .global(.deadLettersRedrive), redriveDeadLetter),
            APIRoute(.post, "/v1/dead-letters/redrive", .global(.deadLettersRedrive), redriveDeadLetters),
            APIRoute(.get, "/v1/outbox/parked", .global(.systemRead), listParkedOutbox),
            APIRoute(.get, "/v1/circuits", .global(.systemRead), listCircuits),
            APIRoute(.post, "/v1/schedules", .body(.schedulesWrite), createSchedule),
            APIRoute(.get, "/v1/schedules", .listing(.schedulesRead), listSchedules),
            APIRoute(.get, "/v1/schedules/{id}", .schedule(.schedulesRead), schedule),
            APIRoute(.delete, "/v1/schedules/{id}", .schedule(.schedulesWrite), deleteSchedule),
            APIRoute(.post, "/v1/schedules/{id}/pause", .schedule(.schedulesWrite), pauseSchedule(true)),
            APIRoute(.post, "/v1/schedules/{id}/resume", .schedule(.schedulesWrite), pauseSchedule(false)),
            APIRoute(.post, "/v1/schedules/{id}/trigger", .schedule(.schedulesWrite), triggerSchedule),
            APIRoute(.get, "/openapi.yaml", .open, openAPI),
            APIRoute(.get, "/livez", .probe, live),
            APIRoute(.get, "/readyz", .probe, ready),
            APIRoute(.get, "/metrics", .probe, scrapeMetrics),
            APIRoute(.get, "/v1/admin/log-level", .global(.systemRead), logLevel),
            APIRoute(.put, "/v1/admin/log-level", .global(.systemConfigure), setLogLevel),
            APIRoute(.get, "/v1/audit", .global(.auditRead), listAudit),
            APIRoute(.post, "/v1/admin/keys", .global(.keysManage), createKey),
            APIRoute(.get, "/v1/admin/keys", .global(.keysManage), listKeys),
            APIRoute(.delete, "/v1/admin/keys/{id}", .global(.keysManage), revokeKey),
        ]
    }
}
