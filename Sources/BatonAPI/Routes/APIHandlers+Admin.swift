import BatonExpressions
import BatonRuntime
import Hummingbird
import Logging

extension APIHandlers {
    /// `GET /v1/admin/log-level`: the level every logger of this process writes at.
    @Sendable func logLevel(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        .json(["level": .string(try levels().level.rawValue)])
    }

    /// `PUT /v1/admin/log-level` with `{"level": "debug"}`: changes it at once for every logger of
    /// this process (not the others of a deployment, and not across a restart: the configuration
    /// says the level a process starts with). Admin only once authentication exists.
    @Sendable func setLogLevel(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let levels = try levels()
        let body = try await request.readJSONBody(limit: 4096, empty: .null)
        let names = Logger.Level.allCases.map(\.rawValue)
        guard let text = body["level"]?.stringValue, let level = Logger.Level(rawValue: text.lowercased()) else {
            throw Problem(
                .invalidInput, "the body must be {\"level\": …} with one of \(names.joined(separator: ", "))",
                errors: [ProblemItem(message: "must be one of \(names.joined(separator: ", "))", pointer: "/level")]
            )
        }
        let previous = levels.level
        levels.level = level
        return .json(["level": .string(level.rawValue), "previous": .string(previous.rawValue)])
    }

    private func levels() throws -> LogLevelSwitch {
        guard let logLevels else { throw Problem(.notFound, "this server's log level cannot be changed while it runs") }
        return logLevels
    }
}
