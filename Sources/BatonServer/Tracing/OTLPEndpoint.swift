/// Where spans go: an OTLP/HTTP traces URL (`http://collector:4318/v1/traces`). Plain HTTP only —
/// point Baton at a collector or agent beside it, which forwards over TLS where it must.
public struct OTLPEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var path: String

    public init(host: String, port: Int, path: String = "/v1/traces") {
        self.host = host
        self.port = port
        self.path = path
    }

    /// Parses `http://host[:port][/path]`: the port defaults to 4318 (OTLP/HTTP), an empty path to
    /// `/v1/traces`. Returns the reason when the text is not such a URL.
    public static func parse(_ text: String) -> Result<OTLPEndpoint, OTLPEndpointError> {
        let lowered = text.lowercased()
        if lowered.hasPrefix("https://") {
            return .failure(OTLPEndpointError("https is not supported: send to a collector or agent over http on the same host or network, which forwards over TLS"))
        }
        guard lowered.hasPrefix("http://") else { return .failure(OTLPEndpointError("must be an http:// URL such as http://127.0.0.1:4318/v1/traces")) }
        let rest = text.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        var host = Substring(authority)
        var port = 4318
        if authority.hasPrefix("[") {  // an IPv6 literal
            guard let close = authority.firstIndex(of: "]") else { return .failure(OTLPEndpointError("has an unclosed IPv6 address")) }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let tail = authority[authority.index(after: close)...]
            if !tail.isEmpty {
                guard tail.hasPrefix(":"), let number = Int(tail.dropFirst()) else { return .failure(OTLPEndpointError("has an invalid port")) }
                port = number
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard let number = Int(authority[authority.index(after: colon)...]) else { return .failure(OTLPEndpointError("has an invalid port")) }
            port = number
        }
        guard !host.isEmpty else { return .failure(OTLPEndpointError("names no host")) }
        guard (1...65535).contains(port) else { return .failure(OTLPEndpointError("has a port outside 1–65535")) }
        guard !path.contains("?"), !path.contains("#") else { return .failure(OTLPEndpointError("must not have a query or fragment")) }
        return .success(OTLPEndpoint(host: String(host), port: port, path: path.isEmpty || path == "/" ? "/v1/traces" : String(path)))
    }

    public var description: String {
        "http://\(host.contains(":") ? "[\(host)]" : host):\(port)\(path)"
    }
}

public struct OTLPEndpointError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
