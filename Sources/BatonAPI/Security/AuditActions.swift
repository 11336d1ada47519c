/// The audit action of each route that changes something, `nil` for reads.
///
/// One table, so a route added without an action fails `AuditTrailTests` (which enumerates the
/// route table) instead of changing things unrecorded.
enum AuditActions {
    static let byRoute: [String: String] = [
        "POST /v1/definitions": "definition.register",
        "POST /v1/workflows/{id}/instances": "instance.start",
        "POST /v1/instances/{id}/cancel": "instance.cancel",
        "POST /v1/instances/{id}/pause": "instance.pause",
        "POST /v1/instances/{id}/resume": "instance.resume",
        "POST /v1/instances/{id}/retry": "instance.retry",
        "POST /v1/instances/{id}/rerun": "instance.rerun",
        "POST /v1/instances/{id}/signals/{name}": "instance.signal",
        "POST /v1/dead-letters/{id}/redrive": "dead-letter.redrive",
        "POST /v1/dead-letters/redrive": "dead-letter.redrive",
        "POST /v1/schedules": "schedule.create",
        "DELETE /v1/schedules/{id}": "schedule.delete",
        "POST /v1/schedules/{id}/pause": "schedule.pause",
        "POST /v1/schedules/{id}/resume": "schedule.resume",
        "POST /v1/schedules/{id}/trigger": "schedule.trigger",
        "PUT /v1/admin/log-level": "config.log-level",
        "POST /v1/admin/keys": "key.create",
        "DELETE /v1/admin/keys/{id}": "key.revoke",
    ]

    static func action(for route: APIRoute) -> String? {
        route.method == .get ? nil : byRoute["\(route.method.rawValue) \(route.path)"] ?? "unlisted \(route.method.rawValue) \(route.path)"
    }
}
