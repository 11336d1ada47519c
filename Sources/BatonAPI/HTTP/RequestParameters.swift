import Hummingbird

extension Request {
    /// The first value of header `name` (case-insensitive), trimmed; nil only when absent, so
    /// callers can tell a blank header (often a client bug) from a missing one.
    func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first(where: { $0.name.canonicalName == lowered })?.value.trimmingSpaces()
    }

    /// The decoded value of query parameter `name`; nil when absent.
    func query(_ name: String) -> String? {
        uri.queryParameters.get(name)
    }

    /// The request path without the query, as a problem's `instance`.
    var pathForProblems: String { uri.path }
}

extension RequestContext {
    /// The percent-decoded path parameter `name` (`{id}` in the route template).
    ///
    /// The router only routes requests that have the parameter, so absence is a programming error
    /// reported as 500; a broken escape (`%G1`) is the client's and gets 400.
    func pathParameter(_ name: String) throws(Problem) -> String {
        guard let raw = parameters.get(name) else {
            throw Problem(.internal, Problem.internalDetail)
        }
        guard let decoded = PercentEncoding.decode(raw) else {
            throw Problem(.invalidParameter, "Path parameter '\(name)' has an invalid percent-encoding.", errors: [ProblemItem(message: "invalid percent-encoding", parameter: name)])
        }
        return decoded
    }
}

/// Parsing of integer parameters (query or path), with a 400 that names the parameter.
enum IntegerParameter {
    /// `raw` as an integer in `range`, or `defaultValue` when `raw` is nil.
    static func parse(_ raw: String?, name: String, range: ClosedRange<Int>, default defaultValue: Int) throws(Problem) -> Int {
        guard let raw else { return defaultValue }
        return try parse(raw, name: name, range: range)
    }

    static func parse(_ raw: String, name: String, range: ClosedRange<Int>) throws(Problem) -> Int {
        guard let value = Int(raw), range.contains(value) else {
            let expectation = range.upperBound == Int.max
                ? "an integer of at least \(range.lowerBound)" : "an integer from \(range.lowerBound) to \(range.upperBound)"
            throw Problem.invalidParameter(name, "must be \(expectation), got '\(raw)'")
        }
        return value
    }
}

extension Problem {
    /// A 400 naming the offending parameter both in `detail` and in `errors[0].parameter`.
    static func invalidParameter(_ name: String, _ message: String) -> Problem {
        Problem(.invalidParameter, "Parameter '\(name)' \(message).", errors: [ProblemItem(message: message, parameter: name)])
    }
}
