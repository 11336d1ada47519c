/// Which workflows a grant covers: all, one id, or every id with a prefix (`payments.*`).
public enum WorkflowScope: Sendable, Hashable, CustomStringConvertible {
    case all
    case workflow(String)
    /// Ids starting with this text (the `*` of `payments.*` removed, the dot kept).
    case prefix(String)

    /// `*`, `orders`, or `payments.*`. A `*` anywhere but at the end is refused: a scope reads
    /// as a namespace, not a pattern.
    public init(parsing text: String) throws(SecurityError) {
        if text == "*" {
            self = .all
        } else if text.hasSuffix("*") {
            let prefix = String(text.dropLast())
            guard !prefix.isEmpty, !prefix.contains("*") else { throw SecurityError(.invalidConfiguration, "scope '\(text)': '*' may only end a prefix such as payments.*") }
            self = .prefix(prefix)
        } else {
            guard !text.isEmpty, !text.contains("*") else { throw SecurityError(.invalidConfiguration, "scope '\(text)': '*' may only end a prefix such as payments.*") }
            self = .workflow(text)
        }
    }

    public func covers(_ workflowId: String) -> Bool {
        switch self {
        case .all: true
        case .workflow(let id): id == workflowId
        case .prefix(let prefix): workflowId.hasPrefix(prefix)
        }
    }

    public var description: String {
        switch self {
        case .all: "*"
        case .workflow(let id): id
        case .prefix(let prefix): prefix + "*"
        }
    }
}

/// A role held over some workflows. Permissions that are not workflow-scoped (keys, audit,
/// configuration, dead letters, the system views) come only from grants over all workflows.
public struct Grant: Sendable, Hashable, CustomStringConvertible {
    public var role: Role
    public var scope: WorkflowScope

    public init(role: Role, scope: WorkflowScope = .all) {
        self.role = role
        self.scope = scope
    }

    /// `operator`, `operator@orders`, `viewer@payments.*`.
    public init(parsing text: String, roles: RoleCatalog) throws(SecurityError) {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let role = roles.role(named: parts[0]) else {
            throw SecurityError(.invalidConfiguration, "grant '\(text)': no role '\(parts[0])' (known: \(roles.roles.keys.sorted().joined(separator: ", ")))")
        }
        self.init(role: role, scope: parts.count == 2 ? try WorkflowScope(parsing: parts[1]) : .all)
    }

    public var description: String { scope == .all ? role.name : "\(role.name)@\(scope)" }
}
