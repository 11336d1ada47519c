/// A compiled expression over a JSON document: transition conditions and input mappings.
///
/// Parsed once when a definition is registered (syntax, function names and arities are checked
/// then), evaluated many times by the engine. Evaluation is pure and total apart from typed
/// errors: no code execution, no I/O, no clocks. Two expressions are equal when their source text
/// is equal.
///
/// The language, in short:
/// - Paths: `$` is the document; `$.a.b`, `$.items[0]`, `$.vars["key with space"]`, `$.a[$.i]`.
///   Negative indexes count from the end (`$.items[-1]` is the last element). A path that does
///   not exist, or steps into the wrong type, yields `null`, never an error. Member names after
///   `.` are identifiers (letters, digits, `_`, non-ASCII letters); anything else needs `["…"]`.
/// - Literals: numbers (JSON syntax), `'single'` or `"double"` quoted strings with JSON escapes
///   (plus `\'`), `true`, `false`, `null`, arrays `[1, 'a']`.
/// - Operators, loosest first: `||`; `&&`; `==` `!=`; `<` `<=` `>` `>=` `in` (not chainable);
///   `+` `-`; `*` `/` `%`; unary `!` `-`; parentheses.
/// - `==`/`!=` are deep structural equality across any types (`1 == 1.0`, `1 != '1'`).
///   `<`… compare two numbers, or two strings by Unicode scalar values; any other pair
///   (including null) is an error. `&&`, `||`, `!` take booleans, with null as false, and
///   short-circuit. `+` adds numbers or concatenates two strings or two arrays, never converting.
///   `/` and `%` by zero are errors, and so is a result too large for a double. `%` keeps the
///   sign of the dividend.
/// - `in`: element of an array (deep equality), substring of a string, key of an object.
///
/// Functions (null is an error unless said otherwise):
/// - `len(x)`: characters of a string, elements of an array, members of an object.
/// - `exists(x)`: true for any non-null value, including `false`, `0` and `""`.
/// - `lower(s)`, `upper(s)`: Unicode case mapping, no locale.
/// - `contains(haystack, needle)`: the same as `needle in haystack`.
/// - `startsWith(s, prefix)`, `endsWith(s, suffix)`: strings only.
/// - `string(x)`: strings unchanged; anything else, null included, as compact JSON.
/// - `number(x)`: numbers unchanged; a string holding a JSON number (whitespace allowed around);
///   `true`/`false` as 1/0.
/// - `abs(n)`, `floor(n)`, `ceil(n)`, `round(n)`, `round(n, places)`: rounding is half away from
///   zero; `places` is an integer from -15 to 15.
/// - `min(a, b, …)`, `max(a, b, …)`, or over one array argument: numbers or strings, not mixed;
///   an empty array gives null.
/// - `not(b)`: like `!`. `coalesce(a, b, …)`: the first non-null argument, evaluating no further.
/// - `keys(o)`: the member names of an object, sorted.
public struct Expression: Sendable, Hashable, CustomStringConvertible {
    /// The source text, exactly as given.
    public let source: String
    let root: ExpressionNode

    /// Parses and checks `source`.
    ///
    /// Throws with the 1-based column of the problem, e.g. "unexpected ')'" at column 14 or
    /// "unknown function 'lenght' (did you mean 'len'?)".
    public init(parsing source: String) throws(ExpressionError) {
        self.source = source
        self.root = try ExpressionParser.parse(source)
    }

    /// Evaluates the expression with `$` bound to `root`.
    public func evaluate(in root: JSONValue) throws(EvaluationError) -> JSONValue {
        do {
            return try self.root.evaluate(in: root)
        } catch {
            throw EvaluationError(message: error.message, expression: source)
        }
    }

    /// Condition semantics: true/false; null → false; any other type → EvaluationError.
    ///
    /// Null is false so that a condition on a field that is absent simply does not hold; any other
    /// non-boolean is almost certainly a mistake in the definition, so it fails loudly.
    public func evaluateCondition(in root: JSONValue) throws(EvaluationError) -> Bool {
        switch try evaluate(in: root) {
        case .bool(let flag): return flag
        case .null: return false
        case let other:
            throw EvaluationError(message: "a condition must be a boolean or null, found \(other.typeName)", expression: source)
        }
    }

    /// `true` when the expression does not read the document, i.e. it was folded to a constant.
    public var isConstant: Bool { root.isLiteral }

    /// The source text, so an expression prints as it was written.
    public var description: String { source }

    /// Equal source text means an equal compiled form, so comparing the text is enough.
    public static func == (lhs: Expression, rhs: Expression) -> Bool {
        lhs.source == rhs.source
    }

    /// Hashes the source text, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(source)
    }
}
