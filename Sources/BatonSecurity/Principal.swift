/// Who is calling, as authentication established it (an API key, a token's subject), with what
/// it was granted. Recorded as the actor of every change it makes: never a client-chosen header.
public struct Principal: Sendable, Hashable {
    /// `key:<name>`, `jwt:<subject>`, or `anonymous` when authentication is off.
    public var name: String
    public var grants: [Grant]

    public init(name: String, grants: [Grant]) {
        self.name = name
        self.grants = grants
    }

    /// The caller when a deployment runs without authentication (`--insecure-no-auth`): may do
    /// everything, and is recorded as `anonymous`.
    public static let anonymous = Principal(name: "anonymous", grants: [Grant(role: .admin)])

    /// Whether it may do `permission` to `workflowId` (nil: the deployment as a whole, or a
    /// listing that is filtered per workflow afterwards — see `mayList`).
    public func may(_ permission: Permission, workflow workflowId: String? = nil) -> Bool {
        grants.contains { grant in
            guard grant.role.permissions.contains(permission) else { return false }
            if grant.scope == .all { return true }
            guard permission.isWorkflowScoped, let workflowId else { return false }
            return grant.scope.covers(workflowId)
        }
    }

    /// Whether it holds `permission` over at least one workflow: a listing is then served,
    /// filtered by `may(_:workflow:)`; otherwise it is refused.
    public func mayList(_ permission: Permission) -> Bool {
        grants.contains { $0.role.permissions.contains(permission) && ($0.scope == .all || permission.isWorkflowScoped) }
    }
}
