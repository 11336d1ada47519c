import BatonCore
import BatonExpressions
import BatonRuntime
import BatonSecurity
import BatonStore
import Hummingbird

extension APIHandlers {
    /// `POST /v1/admin/keys` `{"name", "grants": [...], "expiresIn"?}`: a new API key; the answer
    /// holds its token, this once (the store keeps a digest).
    @Sendable func createKey(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let keys = try keyStore()
        let body = try await request.readJSONBody(limit: configuration.maxBodyBytes, empty: .null)
        guard case .string(let name)? = body["name"] else {
            throw Problem(.invalidInput, "'name' must be a string.", errors: [ProblemItem(message: "required string", pointer: "/name")])
        }
        guard case .array(let items)? = body["grants"], items.allSatisfy({ $0.stringValue != nil }) else {
            throw Problem(.invalidInput, "'grants' must be an array of strings such as [\"operator@orders\"].", errors: [ProblemItem(message: "required array of strings", pointer: "/grants")])
        }
        var expiresIn: String?
        switch body["expiresIn"] {
        case nil, .null?: break
        case .string(let text)?: expiresIn = text
        case let other?: throw Problem(.invalidInput, "'expiresIn' must be a duration such as \"90d\".", errors: [ProblemItem(message: "found \(other.typeName)", pointer: "/expiresIn")])
        }
        let issued: (key: APIKey, token: String)
        do {
            issued = try APIKeyIssue.make(
                name: name, grants: items.compactMap(\.stringValue), expiresIn: expiresIn, by: try context.actor(request), at: .wallClock, roles: try RoleCatalog())
        } catch let error as SecurityError {
            throw Problem(.invalidKey, error.message)
        }
        do {
            try await keys.createAPIKey(issued.key)
        } catch where error.code == .conflict {
            throw Problem(.conflict, error.message)
        } catch {
            throw ServiceError(.unavailable, "the key could not be stored: \(error.message)")
        }
        var view = KeyView.render(issued.key)
        view["token"] = .string(issued.token)
        return .json(.object(view), status: .created, headers: [.location: "/v1/admin/keys/\(issued.key.id)"])
    }

    /// `GET /v1/admin/keys`: every key, revoked and expired ones too; never a token or digest.
    @Sendable func listKeys(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let keys = try keyStore()
        let all: [APIKey]
        do {
            all = try await keys.apiKeys()
        } catch {
            throw ServiceError(.unavailable, "the keys could not be read: \(error.message)")
        }
        return .json(["items": .array(all.map { .object(KeyView.render($0)) })])
    }

    /// `DELETE /v1/admin/keys/{id}`: revokes the key; it authenticates nothing from now on.
    @Sendable func revokeKey(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let keys = try keyStore()
        let id = try context.pathParameter("id")
        let revoked: APIKey?
        do {
            revoked = try await keys.revokeAPIKey(id: id, at: .wallClock)
        } catch {
            throw ServiceError(.unavailable, "the key could not be revoked: \(error.message)")
        }
        guard let revoked else { throw Problem(.notFound, "no API key '\(id)'") }
        return .json(.object(KeyView.render(revoked)))
    }

    private func keyStore() throws(Problem) -> any APIKeyStore {
        guard let keys else { throw Problem(.notFound, "This server keeps no API keys.") }
        return keys
    }
}

/// An API key as the API shows it: never its digest or salt (the token exists only in the
/// answer that created it).
enum KeyView {
    static func render(_ key: APIKey) -> [String: JSONValue] {
        [
            "id": .string(key.id),
            "name": .string(key.name),
            "grants": .array(key.grants.map(JSONValue.string)),
            "createdAt": .string(key.createdAt.iso8601),
            "createdBy": .string(key.createdBy),
            "expiresAt": key.expiresAt.map { .string($0.iso8601) } ?? .null,
            "revokedAt": key.revokedAt.map { .string($0.iso8601) } ?? .null,
            "lastUsedAt": key.lastUsedAt.map { .string($0.iso8601) } ?? .null,
        ]
    }
}
