import BatonExpressions
import BatonRuntime
import Hummingbird

extension APIHandlers {
    /// The schedule operations, or a 404 naming why there are none (the in-memory store of some
    /// tests keeps no schedules through the API).
    private func scheduling() throws -> any ScheduleOperations {
        guard let schedules else { throw Problem(.notFound, "Schedules are not available with this store.") }
        return schedules
    }

    /// `POST /v1/schedules`: a schedule document (see `ScheduleDocument`), validated with every
    /// problem listed (422) and stored; 409 when the id exists.
    @Sendable func createSchedule(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let body = try await request.readJSONBody(limit: configuration.maxBodyBytes, empty: .null)
        if case .string(let workflowId)? = body["workflowId"] { try context.requirePermission(.schedulesWrite, workflow: workflowId) }
        let record = try await scheduling().createSchedule(body)
        return .json(ScheduleView.render(record), status: .created, headers: [.location: ScheduleView.location(record.id)])
    }

    /// `GET /v1/schedules?workflowId=`: every schedule the caller may read, ordered by id.
    @Sendable func listSchedules(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let workflowId = request.query("workflowId").flatMap { $0.isEmpty ? nil : $0 }
        let records = try await scheduling().schedules(workflowId: workflowId).filter { context.mayList(.schedulesRead, workflow: $0.workflowId) }
        return .json(["items": .array(records.map(ScheduleView.render))])
    }

    /// `GET /v1/schedules/{id}`: one schedule with its next fire times.
    @Sendable func schedule(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        .json(ScheduleView.render(try await scheduling().schedule(id: try context.pathParameter("id"))))
    }

    /// `DELETE /v1/schedules/{id}`: no more fire times; instances it started run on.
    @Sendable func deleteSchedule(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try await scheduling().deleteSchedule(id: try context.pathParameter("id"))
        return Response(status: .noContent)
    }

    /// `POST /v1/schedules/{id}/pause` and `/resume`.
    func pauseSchedule(_ paused: Bool) -> APIRoute.Handler {
        { [self] _, context in
            .json(ScheduleView.render(try await scheduling().setSchedulePaused(id: try context.pathParameter("id"), paused: paused)))
        }
    }

    /// `POST /v1/schedules/{id}/trigger`: a run now, under the overlap policy.
    @Sendable func triggerSchedule(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let (record, started) = try await scheduling().triggerSchedule(id: try context.pathParameter("id"))
        return .json(["schedule": ScheduleView.render(record), "started": .array(started.map(JSONValue.string))])
    }
}
