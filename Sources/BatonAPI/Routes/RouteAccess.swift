import BatonSecurity

/// What a route needs from its caller, declared beside it in the route table (`APIHandlers.routes`)
/// so no route can be added without saying who may call it.
///
/// The declaration names one permission and where the workflow it concerns comes from; the
/// authorization layer checks it before the handler runs where the path says (`workflow`,
/// `instance`, `schedule`) and leaves listings and bodies to the handler, which filters or
/// checks what it reads (`listing`, `body`).
enum RouteAccess: Sendable, Hashable {
    /// Anyone: the API's own description.
    case open
    /// Liveness, readiness and metrics: open unless the configuration asks for credentials.
    case probe
    /// `permission` over the whole deployment.
    case global(Permission)
    /// `permission` over the workflow whose id is the path parameter `{id}`.
    case workflow(Permission)
    /// `permission` over the workflow of the instance whose id is the path parameter `{id}`; an
    /// instance the caller may not see answers 404, as one that does not exist.
    case instance(Permission)
    /// `permission` over the workflow of the schedule whose id is the path parameter `{id}`.
    case schedule(Permission)
    /// `permission` over the workflow the request body names (a definition, a new schedule).
    case body(Permission)
    /// `permission` over at least one workflow; what is listed is filtered to the caller's workflows.
    case listing(Permission)

    /// The permission the route needs; nil for open and probe routes.
    var permission: Permission? {
        switch self {
        case .open, .probe: nil
        case .global(let p), .workflow(let p), .instance(let p), .schedule(let p), .body(let p), .listing(let p): p
        }
    }
}
