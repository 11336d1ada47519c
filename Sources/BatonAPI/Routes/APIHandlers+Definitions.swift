import BatonCore
import BatonExpressions
import BatonRuntime
import Hummingbird

extension APIHandlers {
    /// `POST /v1/definitions`: JSON or YAML text, validated and stored as the next version.
    ///
    /// A body that is (declared or sniffed as) JSON is parsed here first, so a syntax error is a
    /// 400 with line and column like every other JSON body; everything else about the document is
    /// the service's to judge, and its issues come back as a 422 listing each one.
    @Sendable func registerDefinition(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let contentType = request.headers[.contentType]
        guard let format = BodyFormat(contentType: contentType) else {
            throw Problem.unsupportedMediaType(contentType, accepted: "application/json or application/yaml")
        }
        let bytes = try await request.readBody(limit: configuration.maxBodyBytes)
        let firstByte = bytes.first { !Request.isJSONWhitespace($0) }
        if format == .json || (format == .unspecified && (firstByte == UInt8(ascii: "{") || firstByte == UInt8(ascii: "["))) {
            _ = try Problem.parsingJSON(bytes)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Problem(.malformedBody, "The definition is not valid UTF-8 text.")
        }
        // A caller granted some workflows only: the definition's id decides (one that does not
        // compile is refused by the service with its problems, and registers nothing).
        if let principal = context.principal, !principal.may(.definitionsWrite), let id = try? DefinitionCompiler.compile(text: text).id {
            try context.requirePermission(.definitionsWrite, workflow: id)
        }
        let record = try await service.registerDefinition(text: text)
        return .json(DefinitionView.record(record), status: .created, headers: [.location: DefinitionView.location(id: record.id, version: record.version)])
    }

    /// `GET /v1/definitions`: one summary per definition id the caller may read.
    @Sendable func listDefinitions(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let summaries = try await service.definitions().filter { context.mayList(.definitionsRead, workflow: $0.id) }
        return .json(["items": .array(summaries.map(DefinitionView.summary))])
    }

    /// `GET /v1/definitions/{id}`: the latest version.
    @Sendable func latestDefinition(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let record = try await service.definition(id: try context.pathParameter("id"), version: nil)
        return .json(DefinitionView.record(record))
    }

    /// `GET /v1/definitions/{id}/versions`: every version, oldest first.
    @Sendable func definitionVersions(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try context.pathParameter("id")
        let records = try await service.definitionVersions(id: id)
        let counts = try await service.instanceCounts(workflowId: id)
        return .json(["items": .array(records.map { record in DefinitionView.record(record, instances: counts.filter { $0.version == record.version }) })])
    }

    /// `GET /v1/definitions/{id}/versions/{version}`: one version.
    @Sendable func definitionVersion(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try context.pathParameter("id")
        let version = try IntegerParameter.parse(try context.pathParameter("version"), name: "version", range: 1...Int.max)
        let record = try await service.definition(id: id, version: version)
        return .json(DefinitionView.record(record))
    }
}
