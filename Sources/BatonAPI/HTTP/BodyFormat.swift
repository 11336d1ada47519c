import Hummingbird

/// What a request body claims to be, from its `Content-Type`.
///
/// Types that say nothing useful (`text/plain`, `application/octet-stream`, and the form type
/// `curl -d` sends by default) count as unspecified, so hand-typed requests work and the content is
/// sniffed instead; types that clearly mean something else are refused with 415.
enum BodyFormat: Equatable {
    case json
    case yaml
    case unspecified

    static let yamlTypes: Set<String> = ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"]
    static let vagueTypes: Set<String> = ["text/plain", "application/octet-stream", "application/x-www-form-urlencoded"]

    /// nil when the type is neither JSON, YAML nor vague.
    init?(contentType: String?) {
        let mediaType = (contentType ?? "").split(separator: ";", maxSplits: 1).first
            .map { $0.trimmingSpaces().lowercased() } ?? ""
        if mediaType.isEmpty || Self.vagueTypes.contains(mediaType) {
            self = .unspecified
        } else if mediaType == "application/json" || mediaType.hasSuffix("+json") {
            self = .json
        } else if Self.yamlTypes.contains(mediaType) {
            self = .yaml
        } else {
            return nil
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (header values' optional whitespace).
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
