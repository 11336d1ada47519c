import BatonRuntime
import Hummingbird
import Logging

/// Turns every error a request can end in into an RFC 9457 problem response.
///
/// It sits in front of all routes and of Hummingbird's not-found responder, so unknown paths,
/// wrong methods (405 with `Allow`, which Hummingbird itself reports as 404), service errors and
/// unexpected failures all leave the server as `application/problem+json`. Unexpected errors
/// are logged here with their full description and answered with a generic 500.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let routes: RouteIndex
    let retryAfterSeconds: Int64

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return problem(for: error, request: request, context: context).response(instance: request.pathForProblems)
        }
    }

    func problem(for error: any Error, request: Request, context: Context) -> Problem {
        if let problem = Problem(answering: error, retryAfterSeconds: retryAfterSeconds) {
            if problem.type == .internal { logUnexpected(error, request: request, context: context) }
            return problem
        }
        switch error {
        case let error as HTTPError where error.status == .notFound:
            // The API's own handlers never throw HTTPError, so this is the router's "no match".
            return routingProblem(request)
        default:
            logUnexpected(error, request: request, context: context)
            return Problem(.internal, Problem.internalDetail)
        }
    }

    /// Hummingbird's router throws 404 both for unknown paths and for known paths with another
    /// method; the route index tells which.
    func routingProblem(_ request: Request) -> Problem {
        let allowed = routes.methods(for: request.uri.path)
        guard !allowed.isEmpty else {
            return Problem(.notFound, "No route matches \(request.method.rawValue) \(request.uri.path).")
        }
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        var headers = HTTPFields()
        headers[.allow] = list
        return Problem(.methodNotAllowed, "\(request.uri.path) does not support \(request.method.rawValue); use \(list).", headers: headers)
    }

    func logUnexpected(_ error: any Error, request: Request, context: Context) {
        context.logger.error(
            "request failed unexpectedly",
            metadata: ["error": "\(String(reflecting: error))", "method": "\(request.method.rawValue)", "path": "\(request.uri.path)"]
        )
    }
}
