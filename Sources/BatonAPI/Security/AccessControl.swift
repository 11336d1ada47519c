import BatonCore
import BatonRuntime
import BatonSecurity
import BatonStore
import Hummingbird
import Logging

/// Checks every request against its route's declared access before the handler runs.
///
/// Authentication first (401 with `WWW-Authenticate` when no token or one that proves nothing),
/// then the route's permission (403). For a route about one instance or schedule, a caller who may
/// not even read it gets the 404 a missing one gets: whether someone else's instance exists is
/// not leaked. Bodies and listings are checked by their handlers (`requirePermission`, filters),
/// which alone know the workflow the body names or the items a page holds.
struct AccessControl<Service: WorkflowService>: Sendable {
    let authentication: APIAuthentication
    let service: Service
    let schedules: (any ScheduleOperations)?
    /// Where changes and refused attempts are recorded; nil: nowhere (tests of other things).
    let audit: (any AuditStore)?
    let clock: @Sendable () -> Timestamp
    let logger: Logger

    /// The route's handler behind the checks of its access, and, for a change, its audit entry
    /// (refusals included) once the answer is known.
    func guarding(_ route: APIRoute) -> APIRoute.Handler {
        let (access, path, handler) = (route.access, route.path, route.handler)
        let action = AuditActions.action(for: route)
        return { request, context in
            var context = context
            context.requestId = Self.requestId(request)
            do {
                // No store keeps NUL in text (PostgreSQL refuses it outright): refused here, for every route alike.
                if request.uri.path.contains("%00") || request.uri.query?.contains("%00") == true {
                    throw Problem(.invalidParameter, "Paths and query parameters must not contain NUL (%00).")
                }
                switch authentication {
                case .disabled:
                    context.principal = .anonymous
                    context.actorHeaderHonoured = true
                case .required(let authenticator, let openProbes):
                    if access == .open || (access == .probe && openProbes.contains(path)) { return try await handler(request, context) }
                    context.principal = try await authenticate(request, authenticator)
                }
                try await authorize(access, context: context)
                let response = try await handler(request, context)
                if let action { await record(action, request, context, status: response.status.code, location: response.headers[.location]) }
                return response
            } catch {
                if let action { await record(action, request, context, status: Self.status(of: error), location: nil) }
                throw error
            }
        }
    }

    private func record(_ action: String, _ request: Request, _ context: APIRequestContext, status: Int, location: String?) async {
        guard let audit else { return }
        let outcome = (200..<300).contains(status) ? "ok" : status == 401 || status == 403 ? "refused:\(status)" : "failed:\(status)"
        let actor = context.principal == nil ? "-" : ((try? context.actor(request)) ?? context.principal?.name ?? "-")
        let entry = AuditEntry(
            time: clock(), actor: actor, action: action, target: location ?? request.uri.path, outcome: outcome, requestId: context.requestId, source: context.peer)
        do {
            _ = try await audit.appendAudit(entry)
        } catch {
            // The change happened: the log keeps what the audit table could not.
            logger.error(
                "could not write the audit log", metadata: ["action": "\(action)", "actor": "\(actor)", "target": "\(entry.target)", "outcome": "\(outcome)", "error": "\(error)"])
        }
    }

    /// The status an error is answered with: `ProblemMiddleware`'s mapping, the same function.
    private static func status(of error: any Error) -> Int {
        Problem(answering: error, retryAfterSeconds: 1).map { Int($0.type.status.code) } ?? 500
    }

    /// `X-Request-Id` when the caller sent a sane one, else a new one.
    static func requestId(_ request: Request) -> String {
        if let given = request.header("X-Request-Id"), (1...128).contains(given.count),
            given.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F })
        {
            return given
        }
        return LowercaseHex.encode(UInt64.random(in: .min ... .max))
    }

    private func authenticate(_ request: Request, _ authenticator: any BearerAuthenticator) async throws(Problem) -> Principal {
        guard let header = request.header("Authorization"), !header.isEmpty else {
            throw Problem(.unauthenticated, "This route needs credentials: send 'Authorization: Bearer <token>' (an API key from `baton keys create`, or a JWT).", headers: [.wwwAuthenticate: #"Bearer realm="baton""#])
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Problem(.unauthenticated, "The Authorization header must be 'Bearer <token>'.", headers: [.wwwAuthenticate: #"Bearer realm="baton", error="invalid_request""#])
        }
        do {
            return try await authenticator.principal(for: String(parts[1]))
        } catch {
            // The reason (unknown key, revoked, expired, bad signature) is the log's, not the caller's.
            logger.notice("API request refused: credentials prove nothing", metadata: ["reason": "\(error.message)", "path": "\(request.uri.path)", "method": "\(request.method)"])
            throw Problem(.unauthenticated, "The credentials were refused (unknown, expired, revoked or malformed).", headers: [.wwwAuthenticate: #"Bearer realm="baton", error="invalid_token""#])
        }
    }

    private func authorize(_ access: RouteAccess, context: APIRequestContext) async throws {
        guard let principal = context.principal else { return }
        switch access {
        case .open, .probe:
            return
        case .global(let permission):
            guard principal.may(permission) else { throw Problem.forbidden(permission) }
        case .workflow(let permission):
            guard principal.may(permission, workflow: try context.pathParameter("id")) else { throw Problem.forbidden(permission) }
        case .body(let permission), .listing(let permission):
            // The handler checks the body's workflow or filters what it lists.
            guard principal.mayList(permission) else { throw Problem.forbidden(permission) }
        case .instance(let permission):
            guard !principal.may(permission) else { return }
            guard principal.mayList(permission) else { throw Problem.forbidden(permission) }
            let id = try context.pathParameter("id")
            // Not found and not visible read the same (the service's own 404).
            let workflowId = try await service.instance(id: id).workflowId
            try Self.require(permission, workflow: workflowId, principal: principal, read: .instancesRead, missing: ServiceError(.notFound, "no instance '\(id)'"))
        case .schedule(let permission):
            guard !principal.may(permission) else { return }
            guard principal.mayList(permission) else { throw Problem.forbidden(permission) }
            guard let schedules else { return }
            let id = try context.pathParameter("id")
            let workflowId = try await schedules.schedule(id: id).workflowId
            try Self.require(permission, workflow: workflowId, principal: principal, read: .schedulesRead, missing: ServiceError(.notFound, "no schedule '\(id)'"))
        }
    }

    /// 403 when the caller may read the item but not do this to it; the item's own 404 when it may
    /// not even read it.
    private static func require(_ permission: Permission, workflow: String, principal: Principal, read: Permission, missing: ServiceError) throws {
        if principal.may(permission, workflow: workflow) { return }
        if principal.may(read, workflow: workflow) { throw Problem.forbidden(permission) }
        throw missing
    }
}

extension APIRequestContext {
    /// For handlers of `.body` routes, once they know the workflow: 403 unless the caller may.
    func requirePermission(_ permission: Permission, workflow workflowId: String) throws(Problem) {
        guard let principal, !principal.may(permission, workflow: workflowId) else { return }
        throw Problem(.forbidden, "Your credentials do not grant '\(permission.rawValue)' for workflow '\(workflowId)'.")
    }

    /// For handlers of `.listing` routes: whether an item of `workflowId` may be listed.
    func mayList(_ permission: Permission, workflow workflowId: String) -> Bool {
        principal?.may(permission, workflow: workflowId) ?? true
    }

    /// Who is doing this, as recorded in history: the authenticated principal; with
    /// authentication off, `X-Baton-Actor` (default `api`). The header is checked either way, so
    /// the documented contract does not depend on the deployment.
    func actor(_ request: Request) throws(Problem) -> String {
        let header = request.header("X-Baton-Actor")
        if let header, header.count > APIRequestContext.maxActorLength {
            throw Problem.invalidParameter("X-Baton-Actor", "must be at most \(APIRequestContext.maxActorLength) characters, got \(header.count)")
        }
        guard actorHeaderHonoured, let principal, principal == .anonymous else { return principal?.name ?? "api" }
        guard let header, !header.isEmpty else { return "api" }
        return header
    }

    /// The longest `X-Baton-Actor` accepted: a name, not a document (it is copied into history
    /// and into redriven messages' headers).
    static var maxActorLength: Int { 200 }
}

extension Problem {
    static func forbidden(_ permission: Permission) -> Problem {
        Problem(.forbidden, "Your credentials do not grant '\(permission.rawValue)' here.")
    }
}
