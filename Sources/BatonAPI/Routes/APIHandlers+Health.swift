import BatonRuntime
import Hummingbird

extension APIHandlers {
    /// `GET /livez`: the process serves HTTP. Deliberately checks nothing else, so a slow store
    /// makes the instance unready (drained) rather than dead (restarted).
    @Sendable func live(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        .json(["status": "ok"])
    }

    /// `GET /readyz`: 200 when the service can take work, else 503 with the service's reason.
    @Sendable func ready(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        if let reason = await service.notReadyReason() {
            var headers = HTTPFields()
            headers[.retryAfter] = String(configuration.retryAfterSeconds)
            throw Problem(.notReady, reason, headers: headers)
        }
        return .json(["status": "ok"])
    }

    /// `GET /metrics`: Prometheus' text exposition format (version 0.0.4), sampled as it is asked for.
    @Sendable func scrapeMetrics(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        guard let metrics else { throw Problem(.notFound, "this server exports no metrics") }
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: await metrics.exposition())))
    }

    /// `GET /openapi.yaml`: the contract this server was built with, so clients and tools (code
    /// generators, schemathesis) read the document that matches the running version.
    @Sendable func openAPI(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/yaml"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_yaml)))
    }
}
