import BatonSecurity
import Foundation
import Hummingbird
import Testing

@testable import BatonAPI

/// Every route declares what its caller needs, the declaration fits the route, and
/// `schemas/openapi.yaml` says the same (`x-baton-permission` on each operation).
@Suite("Route access")
struct RouteAccessTests {
    var routes: [APIRoute] { APIHandlers(service: Harness().service, schedules: nil, metrics: nil, logLevels: nil, audit: nil, configuration: APIConfiguration()).routes }

    @Test func everyRouteDeclaresAnAccessThatFitsIt() {
        #expect(routes.count == 39)
        for route in routes {
            let name = "\(route.method) \(route.path)"
            switch route.access {
            case .open, .probe:
                #expect(["/openapi.yaml", "/livez", "/readyz", "/metrics"].contains(route.path), "\(name) must not be open")
                #expect(route.method == .get)
            case .global(let permission):
                #expect(!permission.isWorkflowScoped, "\(name): \(permission) concerns workflows; declare which")
            case .workflow(let permission), .instance(let permission), .schedule(let permission):
                #expect(permission.isWorkflowScoped, "\(name): \(permission) is deployment-wide")
                #expect(route.path.contains("{id}"), "\(name) names no {id} to resolve the workflow from")
            case .body(let permission):
                #expect(permission.isWorkflowScoped && route.method == .post, "\(name)")
            case .listing(let permission):
                #expect(permission.isWorkflowScoped && route.method == .get, "\(name)")
            }
            if let permission = route.access.permission, permission != .keysManage {
                // Reads need a read permission; anything that changes something needs more. Keys
                // are one permission, listing them included (names and grants are an admin's).
                #expect(permission.isRead == (route.method == .get), "\(name) declares \(permission)")
            }
        }
        #expect(Set(routes.compactMap(\.access.permission)) == Set(Permission.allCases), "every permission is used by some route")
    }

    @Test func theSpecificationNamesEachOperationsPermission() throws {
        let paths = try #require(try OpenAPIContractTests.specification()["paths"] as? [String: Any])
        for route in routes {
            let operation = try #require((paths[route.path] as? [String: Any])?[route.method.rawValue.lowercased()] as? [String: Any], "\(route.method) \(route.path)")
            let expected = route.access.permission?.rawValue ?? (route.access == .open ? "none" : "probe")
            #expect(operation["x-baton-permission"] as? String == expected, "\(route.method) \(route.path)")
        }
    }
}
