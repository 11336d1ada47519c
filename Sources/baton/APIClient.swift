import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where client commands find the API (`--api`, else `BATON_API_URL`, else the `baton dev`
/// default) and what they present to it (`--token`, else `BATON_TOKEN`).
struct APIOptions: ParsableArguments {
    @Option(name: .long, help: "Base URL of the Baton API (env BATON_API_URL).")
    var api: String = ProcessEnvironment.value("BATON_API_URL") ?? "http://127.0.0.1:8080"

    @Option(name: .long, help: "API key or JWT sent as 'Authorization: Bearer …' (env BATON_TOKEN; `baton dev` prints one).")
    var token: String?

    /// `--token`, else `BATON_TOKEN`.
    var presentedToken: String? { token ?? ProcessEnvironment.value("BATON_TOKEN") }
}

/// A minimal HTTP client for the CLI's client commands.
struct APIClient {
    let base: String
    /// Sent as a bearer token when set.
    var token: String?

    init(base: String, token: String? = nil) {
        self.base = base
        self.token = token
    }

    init(_ options: APIOptions) {
        self.init(base: options.api, token: options.presentedToken)
    }

    struct Response {
        var status: Int
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    func send(_ method: String, _ path: String, body: Data? = nil, contentType: String = "application/json", headers: [String: String] = [:]) async throws -> Response {
        guard let url = URL(string: base + path) else { throw ValidationError("invalid API URL '\(base + path)'") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let token, !token.isEmpty { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            return Response(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
        } catch {
            throw ValidationError("cannot reach the Baton API at \(base): \(error.localizedDescription). Is `baton dev` or `baton serve` running?")
        }
    }

    /// Prints the body (pretty when JSON) and fails the command on a non-2xx status.
    static func printAndCheck(_ response: Response) throws {
        if let object = try? JSONSerialization.jsonObject(with: response.body),
            let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        {
            print(String(decoding: pretty, as: UTF8.self))
        } else if !response.body.isEmpty {
            print(response.text)
        }
        if response.status == 401 {
            FileHandle.standardError.write(Data("the API wants credentials: pass --token or set BATON_TOKEN (an API key from `baton keys create`; `baton dev` prints one)\n".utf8))
        }
        guard (200..<300).contains(response.status) else { throw ExitCode(1) }
    }
}
