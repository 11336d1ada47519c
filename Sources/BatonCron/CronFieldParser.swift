/// Parses one field: lists of `*`, `?` (day fields), values, names, ranges `a-b`, steps `*/n`,
/// `a-b/n`, `a/n`, and `L` (the last day of the month).
struct CronFieldParser {
    let kind: CronFieldKind
    let expression: String

    struct Parsed {
        var field: CronField
        var lastDayOfMonth = false
    }

    func parse(_ text: Substring) throws(CronSyntaxError) -> Parsed {
        var parsed = Parsed(field: CronField(bits: 0, startsWithStar: text.first == "*" || text.first == "?"))
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw error("'\(text)' has an empty list item") }
            if item == "L" || item == "l" {
                guard kind == .dayOfMonth else { throw error("'L' (last day of the month) belongs in the day-of-month field") }
                parsed.lastDayOfMonth = true
                continue
            }
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw error("'\(item)' has more than one '/'") }
            let range = try self.range(pieces[0], stepped: pieces.count == 2)
            var step = 1
            if pieces.count == 2 {
                guard let value = Int(pieces[1]), value >= 1 else { throw error("step '\(pieces[1])' in '\(item)' is not a whole number ≥ 1") }
                guard value <= kind.fullRange.count else {
                    throw error("step \(value) in '\(item)' is larger than the field's range \(kind.fullRange.lowerBound)–\(kind.fullRange.upperBound)")
                }
                step = value
            }
            for value in stride(from: range.lowerBound, through: range.upperBound, by: step) {
                // Sunday is both 0 and 7.
                let bit = kind == .dayOfWeek && value == 7 ? 0 : value
                parsed.field.bits |= 1 << UInt64(bit)
            }
        }
        return parsed
    }

    /// `*`, `?`, `a`, `a-b`; a lone `a` before a step runs to the field's end (`5/15` = `5-59/15`).
    private func range(_ text: Substring, stepped: Bool) throws(CronSyntaxError) -> ClosedRange<Int> {
        if text == "*" { return kind.fullRange }
        if text == "?" {
            guard kind == .dayOfMonth || kind == .dayOfWeek else { throw error("'?' belongs in the day-of-month or day-of-week field") }
            return kind.fullRange
        }
        let ends = text.split(separator: "-", omittingEmptySubsequences: false)
        switch ends.count {
        case 1:
            let value = try self.value(ends[0])
            return stepped ? value...kind.fullRange.upperBound : value...value
        case 2:
            let low = try value(ends[0])
            let high = try value(ends[1])
            guard low <= high else { throw error("range '\(text)' runs backwards") }
            return low...high
        default:
            throw error("'\(text)' is not a value or a range")
        }
    }

    private func value(_ text: Substring) throws(CronSyntaxError) -> Int {
        if let named = kind.names[text.lowercased()] { return named }
        guard let value = Int(text) else {
            if text.isEmpty { throw error("a range is missing a value") }
            let names = kind.names.isEmpty ? "" : " or a name such as \(kind == .month ? "'jan'" : "'mon'")"
            throw error("'\(text)' is not a number\(names)")
        }
        guard kind.bounds.contains(value) else {
            throw error("\(value) is outside \(kind.bounds.lowerBound)–\(kind.bounds.upperBound)")
        }
        return value
    }

    private func error(_ reason: String) -> CronSyntaxError {
        CronSyntaxError(expression: expression, field: kind.name, reason: reason)
    }
}
