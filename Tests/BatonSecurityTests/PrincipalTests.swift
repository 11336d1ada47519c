import BatonSecurity
import Testing

/// Roles, grants and scopes: what a principal may do, globally and per workflow.
@Suite struct PrincipalTests {
    let roles = try! RoleCatalog(custom: [Role(name: "redriver", permissions: [.deadLettersRead, .deadLettersRedrive])])

    func principal(_ grants: String...) throws -> Principal {
        Principal(name: "key:test", grants: try grants.map { try Grant(parsing: $0, roles: roles) })
    }

    @Test func theBuiltInRolesNest() {
        #expect(Role.viewer.permissions.isSubset(of: Role.operator.permissions))
        #expect(Role.operator.permissions.isSubset(of: Role.admin.permissions))
        #expect(Role.viewer.permissions.allSatisfy { $0.isRead })
        #expect(!Role.viewer.permissions.contains(.auditRead), "the audit log is for admins")
        #expect(!Role.operator.permissions.contains(.definitionsWrite) && !Role.operator.permissions.contains(.keysManage))
        #expect(Role.admin.permissions == Set(Permission.allCases))
    }

    @Test func aScopedGrantCoversItsWorkflowsOnly() throws {
        let p = try principal("operator@payments.*", "viewer@orders")
        #expect(p.may(.instancesStart, workflow: "payments.refund"))
        #expect(p.may(.instancesRead, workflow: "orders"))
        #expect(!p.may(.instancesStart, workflow: "orders"), "a viewer of orders starts nothing")
        #expect(!p.may(.instancesRead, workflow: "orders-eu"), "an exact id is not a prefix")
        #expect(!p.may(.instancesRead, workflow: "paymentsX"), "the prefix is payments. with its dot")
        #expect(!p.may(.instancesRead), "a scoped grant says nothing about the deployment as a whole")
        // Deployment-wide permissions never come from a scoped grant.
        #expect(!p.may(.deadLettersRedrive, workflow: "payments.refund"))
        #expect(p.mayList(.instancesRead) && !p.mayList(.deadLettersRead))
    }

    @Test func globalGrantsAndCustomRoles() throws {
        let admin = try principal("admin")
        #expect(Permission.allCases.allSatisfy { admin.may($0) && admin.may($0, workflow: "anything") })
        let redriver = try principal("redriver")
        #expect(redriver.may(.deadLettersRedrive) && !redriver.may(.instancesRead, workflow: "orders"))
        #expect(Principal.anonymous.may(.keysManage), "without authentication everything is allowed, as anonymous")
    }

    @Test func badGrantsAndRolesAreRefusedWithTheReason() throws {
        for (text, reason) in [("root", "no role 'root'"), ("viewer@pay*ments", "'*' may only end"), ("viewer@*x", "'*' may only end"), ("viewer@", "'*' may only end")] {
            #expect(throws: SecurityError.self) { try Grant(parsing: text, roles: roles) }
            do {
                _ = try Grant(parsing: text, roles: roles)
            } catch {
                #expect(error.message.contains(reason), "\(text): \(error)")
            }
        }
        #expect(throws: SecurityError.self) { try RoleCatalog(custom: [Role(name: "admin", permissions: [])]) }
        #expect(throws: SecurityError.self) { try RoleCatalog(custom: [Role(name: "Bad Name", permissions: [])]) }
        #expect(try Grant(parsing: "viewer@payments.*", roles: roles).description == "viewer@payments.*")
    }
}
