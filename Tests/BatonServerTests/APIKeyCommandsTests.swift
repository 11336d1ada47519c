import BatonCore
import BatonSecurity
import BatonServer
import BatonStore
import BatonStoreSQLite
import Foundation
import Testing

/// `baton keys` on a SQLite store: the token printed once authenticates with its grants, the
/// listing never shows it, a revoked key authenticates nothing.
@Suite struct APIKeyCommandsTests {
    @Test func createListAuthenticateRevoke() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // The first key may come before Baton ever ran: the store is created.
        let path = folder + "/baton.sqlite"
        let commands = APIKeyCommands(location: try StoreLocation("sqlite:" + path))
        let now = Timestamp(milliseconds: 1_800_000_000_000)

        let created = try await commands.create(name: "deployer", grants: ["operator@orders"], expiresIn: "90d", by: "cli:test", now: now)
        let token = try #require(created.split(separator: "\n").last.map(String.init))
        #expect(token.hasPrefix("baton_"))
        #expect(created.contains("expires 2027-"))
        let listed = try await commands.list(now: now)
        #expect(listed.contains("deployer") && listed.contains("operator@orders") && listed.contains("active"))
        #expect(!listed.contains(String(token.suffix(64))), "the listing cannot show a token: the store does not have it")

        let store = try await SQLiteStore.open(.init(path: path))
        let authenticator = APIKeyAuthenticator(roles: try RoleCatalog())
        let principal = try await authenticator.authenticate(token: token, at: now) { try await store.apiKey(id: $0) }
        #expect(principal.name == "key:deployer" && principal.may(.instancesOperate, workflow: "orders"))
        await store.close()

        let id = try #require(APIKey.parse(token: token)?.id)
        #expect(try await commands.revoke(id: id, now: now).contains("revoked API key \(id) 'deployer'"))
        #expect(try await commands.list(now: now).contains("revoked"))
        let reopened = try await SQLiteStore.open(.init(path: path))
        await #expect(throws: APIKeyAuthenticator.Refusal.self) {
            _ = try await authenticator.authenticate(token: token, at: now) { try await reopened.apiKey(id: $0) }
        }
        await reopened.close()
    }

    @Test func badRequestsAreRefusedBeforeAnythingIsWritten() async throws {
        let commands = APIKeyCommands(location: try StoreLocation("sqlite:/nonexistent/baton.sqlite"))
        for (grants, expires, reason) in [([String](), nil as String?, "at least one grant"), (["root"], nil, "no role 'root'"), (["viewer"], "5s", "at least 1m")] {
            do {
                _ = try await commands.create(name: "k", grants: grants, expiresIn: expires, by: "test")
                Issue.record("\(grants) \(expires ?? "-") was accepted")
            } catch {
                #expect("\(error)".contains(reason), "\(error)")
            }
        }
        await #expect(throws: StoreError.self) { _ = try await commands.list() }
    }
}
