import BatonSecurity
import Hummingbird

/// The request context of every API route: Hummingbird's core storage plus who is calling.
///
/// The principal is set by the access check that wraps each route (see `AccessControl`) before
/// its handler runs, so a handler never reads credentials itself and records as the actor of a
/// change only what authentication established.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Nil on open routes (the API's description, probes left open) and before the check.
    public var principal: Principal?
    /// Whether `X-Baton-Actor` may name the actor: only when authentication is off, where the
    /// header is all there is.
    var actorHeaderHonoured = false
    /// The request's id in the audit log (`X-Request-Id`, or made by Baton).
    var requestId = ""
    /// The peer's address, for the audit log.
    let peer: String

    public init(source: Source) {
        coreContext = .init(source: source)
        principal = nil
        peer = source.channel.remoteAddress?.ipAddress ?? "-"
    }
}
