import BatonCore
import BatonExpressions
import BatonRuntime
import Hummingbird

extension APIHandlers {
    /// `POST /v1/instances/{id}/signals/{name}`: the body (any JSON; empty is null) is the
    /// signal's data. 200 with what it did: `DELIVERED` to the waiting step it completed, or
    /// `KEPT` for a step to come (the event window). `X-Baton-Actor` names the sender.
    @Sendable func signal(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try context.pathParameter("id")
        let name = try context.pathParameter("name")
        let data = try await request.readJSONBody(limit: configuration.maxBodyBytes, empty: .null)
        let outcome = try await service.signal(instanceId: id, name: name, data: data, by: try context.actor(request))
        return .json([
            "instanceId": .string(id),
            "signal": .string(name),
            "outcome": outcome.stepId == nil ? "KEPT" : "DELIVERED",
            "stepId": outcome.stepId.map(JSONValue.string) ?? .null,
            "executionId": outcome.executionId.map(JSONValue.string) ?? .null,
            "instance": InstanceView.render(outcome.instance),
        ])
    }
}
