/// A named set of permissions: the three built in, or one a configuration defines.
public struct Role: Sendable, Hashable {
    public var name: String
    public var permissions: Set<Permission>

    public init(name: String, permissions: Set<Permission>) {
        self.name = name
        self.permissions = permissions
    }

    /// Reads everything a grant's scope covers, changes nothing.
    public static let viewer = Role(name: "viewer", permissions: Set(Permission.allCases.filter { $0.isRead && $0 != .auditRead }))
    /// Runs workflows: starts, operates and signals instances, changes schedules, redrives dead
    /// letters; does not change definitions, keys or configuration.
    public static let `operator` = Role(
        name: "operator",
        permissions: viewer.permissions.union([.instancesStart, .instancesOperate, .instancesSignal, .schedulesWrite, .deadLettersRedrive])
    )
    /// Everything.
    public static let admin = Role(name: "admin", permissions: Set(Permission.allCases))

    public static let builtIn: [Role] = [viewer, .operator, admin]
}

/// The roles a deployment knows: the built-in ones and those its configuration adds.
public struct RoleCatalog: Sendable {
    public private(set) var roles: [String: Role]

    public init(custom: [Role] = []) throws(SecurityError) {
        roles = Dictionary(uniqueKeysWithValues: Role.builtIn.map { ($0.name, $0) })
        for role in custom {
            guard roles[role.name] == nil else {
                throw SecurityError(.invalidConfiguration, "role '\(role.name)' is defined twice (viewer, operator and admin are built in)")
            }
            guard Self.isValidName(role.name) else {
                throw SecurityError(.invalidConfiguration, "role name '\(role.name)' must be 1–64 of a-z, 0-9, '.', '_', '-'")
            }
            roles[role.name] = role
        }
    }

    public func role(named name: String) -> Role? { roles[name] }

    static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
    }
}
