/// A parsed Prometheus text exposition (format 0.0.4): families with their type, help and samples.
///
/// Strict on purpose: `baton metrics` summarises what a server exports, and the tests check
/// Baton's own `/metrics` with it (beside `promtool check metrics` where installed), so anything
/// Prometheus would refuse or misread is an error naming the line.
public struct PrometheusExposition: Sendable {
    public struct Sample: Sendable, Hashable {
        public var name: String
        public var labels: [String: String]
        public var value: Double
    }

    public struct Family: Sendable {
        public var name: String
        public var type: String
        public var help: String?
        public var samples: [Sample] = []
    }

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// Families in the order of their first line.
    public private(set) var families: [Family] = []
    private var index: [String: Int] = [:]

    public init(parsing text: String) throws(ParseError) {
        var seen: Set<String> = []
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let line = Substring(raw)
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                try comment(line, number)
                continue
            }
            let sample = try Self.sample(line, number)
            guard let family = familyIndex(of: sample.name) else {
                throw ParseError(line: number, message: "sample '\(sample.name)' has no # TYPE line before it")
            }
            let key = sample.name + "{" + sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
            guard seen.insert(key).inserted else { throw ParseError(line: number, message: "series \(key) appears twice") }
            families[family].samples.append(sample)
        }
        for family in families { try Self.check(family) }
    }

    public func family(_ name: String) -> Family? { index[name].map { families[$0] } }

    /// The value of the one sample named `name` whose labels include `labels`; nil when none.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples(name, labels).first?.value
    }

    /// The samples named `name` whose labels include `labels`.
    public func samples(_ name: String, _ labels: [String: String] = [:]) -> [Sample] {
        families.flatMap(\.samples).filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }
    }

    // MARK: Lines

    private mutating func comment(_ line: Substring, _ number: Int) throws(ParseError) {
        let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0] == "#", parts[1] == "HELP" || parts[1] == "TYPE" else { return }
        let name = String(parts[2])
        guard Self.isMetricName(name) else { throw ParseError(line: number, message: "'\(name)' is not a metric name") }
        let rest = parts.count > 3 ? String(parts[3]) : ""
        let position = index[name] ?? {
            families.append(Family(name: name, type: "untyped"))
            index[name] = families.count - 1
            return families.count - 1
        }()
        if parts[1] == "TYPE" {
            guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(rest) else {
                throw ParseError(line: number, message: "unknown type '\(rest)' for \(name)")
            }
            guard families[position].samples.isEmpty else { throw ParseError(line: number, message: "# TYPE of \(name) after its samples") }
            families[position].type = rest
        } else {
            guard families[position].help == nil else { throw ParseError(line: number, message: "a second # HELP for \(name)") }
            families[position].help = rest
        }
    }

    private func familyIndex(of sampleName: String) -> Int? {
        if let exact = index[sampleName] { return exact }
        for suffix in ["_bucket", "_sum", "_count"] where sampleName.hasSuffix(suffix) {
            let base = String(sampleName.dropLast(suffix.count))
            if let position = index[base], families[position].type == "histogram" || families[position].type == "summary" { return position }
        }
        return nil
    }

    private static func sample(_ line: Substring, _ number: Int) throws(ParseError) -> Sample {
        var rest = line[...]
        let name = String(rest.prefix { $0 != "{" && $0 != " " })
        guard isMetricName(name) else { throw ParseError(line: number, message: "'\(name)' is not a metric name") }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let label = String(rest.prefix { $0 != "=" })
                guard isLabelName(label) else { throw ParseError(line: number, message: "'\(label)' is not a label name") }
                rest = rest.dropFirst(label.count)
                guard rest.hasPrefix("=\"") else { throw ParseError(line: number, message: "label \(label) has no quoted value") }
                rest = rest.dropFirst(2)
                var value = ""
                var closed = false
                while let c = rest.first {
                    rest = rest.dropFirst()
                    if c == "\"" { closed = true; break }
                    if c == "\\" {
                        guard let escaped = rest.first else { break }
                        rest = rest.dropFirst()
                        switch escaped {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw ParseError(line: number, message: "unknown escape \\\(escaped) in label \(label)")
                        }
                    } else {
                        value.append(c)
                    }
                }
                guard closed else { throw ParseError(line: number, message: "label \(label)'s value is not closed") }
                guard labels.updateValue(value, forKey: label) == nil else { throw ParseError(line: number, message: "label \(label) twice") }
                if rest.first == "," { rest = rest.dropFirst() } else if rest.first != "}" {
                    throw ParseError(line: number, message: "expected , or } after label \(label)")
                }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { throw ParseError(line: number, message: "no value after \(name)") }
        let fields = rest.split(separator: " ")
        guard (1...2).contains(fields.count), let value = parseValue(fields[0]) else {
            throw ParseError(line: number, message: "'\(rest.dropFirst())' is not a value (and optional timestamp)")
        }
        if fields.count == 2, Int64(fields[1]) == nil { throw ParseError(line: number, message: "'\(fields[1])' is not a timestamp") }
        return Sample(name: name, labels: labels, value: value)
    }

    private static func parseValue(_ text: Substring) -> Double? {
        switch text {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return Double(text)
        }
    }

    // MARK: Family rules

    private static func check(_ family: Family) throws(ParseError) {
        let fail = { (message: String) in ParseError(line: 0, message: "\(family.name): \(message)") }
        switch family.type {
        case "counter":
            for sample in family.samples where !(sample.value >= 0) { throw fail("counter value \(sample.value) is negative") }
        case "histogram":
            var series: [[String: String]: [(le: Double, count: Double)]] = [:]
            var counts: [[String: String]: Double] = [:]
            var sums: Set<[String: String]> = []
            for sample in family.samples {
                var labels = sample.labels
                switch sample.name {
                case family.name + "_bucket":
                    guard let le = labels.removeValue(forKey: "le"), let bound = parseValue(Substring(le)) else { throw fail("a bucket without a valid le label") }
                    series[labels, default: []].append((bound, sample.value))
                case family.name + "_count": counts[labels] = sample.value
                case family.name + "_sum": sums.insert(labels)
                default: throw fail("sample \(sample.name) in a histogram")
                }
            }
            for (labels, buckets) in series {
                let sorted = buckets.sorted { $0.le < $1.le }
                guard sorted.last?.le == .infinity else { throw fail("series \(labels) has no +Inf bucket") }
                for (a, b) in zip(sorted, sorted.dropFirst()) where b.count < a.count { throw fail("series \(labels): buckets are not cumulative") }
                guard counts[labels] == sorted.last?.count else { throw fail("series \(labels): _count differs from the +Inf bucket") }
                guard sums.contains(labels) else { throw fail("series \(labels) has no _sum") }
            }
        default:
            break
        }
    }

    static func isMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" || first == ":" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" || $0 == ":" }
    }

    static func isLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" }
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
