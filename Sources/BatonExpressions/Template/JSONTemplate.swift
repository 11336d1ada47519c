/// A JSON value with `${ expression }` holes: the input and output mappings of workflow steps.
///
/// A string that is exactly `${ expr }` (whitespace allowed inside) becomes the expression's
/// JSON value, of any type; `${…}` inside a longer string interpolates (strings inserted raw,
/// other values as compact JSON with sorted keys); `$${` escapes a literal `${`. A null (most
/// often a missing path) inside a longer string is an error naming the expression, not the word
/// "null" in the text: `coalesce($.input.name, '')` says that an empty string is meant.
/// Objects and arrays are templated recursively (values only; keys are literal); other values
/// are constants. Compiled once at registration; constant subtrees are rendered ahead of time.
public struct JSONTemplate: Sendable, Hashable {
    /// The template as written.
    public let source: JSONValue
    let root: TemplateNode

    /// Compiles `template`, throwing its first error in document order (keys sorted); use
    /// `validate(_:)` to get them all.
    public init(parsing template: JSONValue) throws(TemplateError) {
        var compiler = TemplateCompiler()
        let root = compiler.compile(template, at: "")
        if let first = compiler.errors.first { throw first }
        self.source = template
        self.root = root
    }

    /// Every error in `template`, in document order (object keys sorted); empty when it is valid.
    ///
    /// Lets definition registration report all broken mappings at once.
    public static func validate(_ template: JSONValue) -> [TemplateError] {
        var compiler = TemplateCompiler()
        _ = compiler.compile(template, at: "")
        return compiler.errors
    }

    /// Renders the template with `$` bound to `root`.
    ///
    /// A failing expression throws an `EvaluationError` whose `pointer` says which template
    /// string it came from; members are rendered in sorted key order, so with several failing
    /// expressions the error is always the first in that order.
    public func render(in root: JSONValue) throws(EvaluationError) -> JSONValue {
        try Self.render(self.root, in: root)
    }

    /// `true` when the template contains no expressions (after folding constant ones), so its
    /// rendering never depends on the document.
    public var isConstant: Bool { root.constantValue != nil }

    /// Equal source templates compile to equal templates, so comparing the source is enough.
    public static func == (lhs: JSONTemplate, rhs: JSONTemplate) -> Bool {
        lhs.source == rhs.source
    }

    /// Hashes the source template, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(source)
    }

    private static func render(_ node: TemplateNode, in root: JSONValue) throws(EvaluationError) -> JSONValue {
        switch node {
        case .constant(let value):
            return value
        case .expression(let expression, let pointer):
            return try evaluate(expression, pointer, root)
        case .interpolation(let segments, let pointer):
            return .string(try interpolate(segments, value: { (expression) throws(EvaluationError) in
                try evaluate(expression, pointer, root)
            }, null: { (expression) throws(EvaluationError) in
                throw Self.nullInString(expression, pointer)
            }))
        case .array(let nodes):
            var elements: [JSONValue] = []
            elements.reserveCapacity(nodes.count)
            for node in nodes { elements.append(try render(node, in: root)) }
            return .array(elements)
        case .object(let nodes):
            var members = [String: JSONValue](minimumCapacity: nodes.count)
            for member in nodes { members[member.key] = try render(member.node, in: root) }
            return .object(members)
        }
    }

    private static func evaluate(_ expression: Expression, _ pointer: String, _ root: JSONValue) throws(EvaluationError) -> JSONValue {
        do {
            return try expression.evaluate(in: root)
        } catch {
            var located = error
            located.pointer = pointer
            throw located
        }
    }

    /// The error for a null inside a longer string: almost always a path that is missing from the
    /// state, which a user wants to hear about rather than find as "Hello, null!" in the output.
    static func nullInString(_ expression: Expression, _ pointer: String) -> EvaluationError {
        EvaluationError(
            message: "${ \(expression.source) } is null (is a path missing?) and a string cannot hold null; write ${ coalesce(\(expression.source), '') } if an empty string is meant",
            expression: expression.source, pointer: pointer
        )
    }

    /// Joins segments: strings raw, every other value as compact JSON; a null goes to `null`.
    static func interpolate<Failure: Error>(
        _ segments: [TemplateSegment], value: (Expression) throws(Failure) -> JSONValue,
        null: (Expression) throws(Failure) -> String
    ) throws(Failure) -> String {
        var result = ""
        for segment in segments {
            switch segment {
            case .text(let text):
                result += text
            case .expression(let expression):
                switch try value(expression) {
                case .string(let text): result += text
                case .null: result += try null(expression)
                case let other: result += other.serialized()
                }
            }
        }
        return result
    }
}
