import Hummingbird

/// One endpoint of the API: method, path template, what it needs from its caller, and handler.
///
/// The API's routes are listed once, as values (`APIHandlers.routes`), so the router registration
/// and the 405 detection read the same table, and the OpenAPI test can compare that list with
/// `schemas/openapi.yaml`.
struct APIRoute: Sendable {
    typealias Handler = @Sendable (Request, APIRequestContext) async throws -> Response

    var method: HTTPRequest.Method
    /// OpenAPI-style template, e.g. `/v1/instances/{id}`; Hummingbird parses `{id}` as a capture.
    var path: String
    /// Who may call it (required: a route cannot be listed without it).
    var access: RouteAccess
    var handler: Handler

    init(_ method: HTTPRequest.Method, _ path: String, _ access: RouteAccess, _ handler: @escaping Handler) {
        self.method = method
        self.path = path
        self.access = access
        self.handler = handler
    }
}

/// Which methods a concrete path supports, for `405 Method Not Allowed` and its `Allow` header.
///
/// Hummingbird answers 404 for a known path with an unknown method; this index lets the problem
/// middleware tell the two apart.
struct RouteIndex: Sendable {
    private let templates: [(segments: [Substring], method: HTTPRequest.Method)]

    init(_ routes: [APIRoute]) {
        templates = routes.map { (Self.segments($0.path), $0.method) }
    }

    /// Methods served for `path` in registration order; empty when no template matches.
    ///
    /// Like the router, a literal segment wins over a capture at the same position: where
    /// templates differ, only those with the most literal segments, earliest, count
    /// (`/v1/dead-letters/redrive` is not `/v1/dead-letters/{id}`).
    func methods(for path: String) -> [HTTPRequest.Method] {
        let segments = Self.segments(path)
        let matching = templates.filter { Self.matches($0.segments, segments) }
        guard let best = matching.map({ Self.literalPositions($0.segments) }).max(by: Self.lessSpecific) else { return [] }
        var methods: [HTTPRequest.Method] = []
        for template in matching where Self.literalPositions(template.segments) == best && !methods.contains(template.method) {
            methods.append(template.method)
        }
        return methods
    }

    private static func literalPositions(_ template: [Substring]) -> [Bool] {
        template.map { $0.first != "{" }
    }

    /// Compares by the first position where one has a literal and the other a capture.
    private static func lessSpecific(_ a: [Bool], _ b: [Bool]) -> Bool {
        for (x, y) in zip(a, b) where x != y { return y }
        return false
    }

    private static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }

    private static func matches(_ template: [Substring], _ segments: [Substring]) -> Bool {
        template.count == segments.count
            && zip(template, segments).allSatisfy { pattern, segment in pattern.first == "{" || pattern == segment }
    }
}
