/// A `pattern` or `patternProperties` regular expression, compiled once with the schema.
///
/// Concurrency: a compiled ``JSONSchema`` is `Sendable` and is meant to be shared by concurrent
/// requests, but `Regex` is not `Sendable`. The alternatives were to keep only the source in the
/// schema and compile into a per-validation cache (paying the compilation on every `validate`), or
/// to share the compiled `Regex`. This class shares it and is `@unchecked Sendable` because:
/// - `regex` is a `let`, set in `init` and never mutated or handed out;
/// - matching does not mutate the `Regex`: every match runs on executor state of its own, and the
///   one lazily filled cache inside it, the lowered program, is published by the standard library
///   with an atomic compare-and-swap (`Regex.Program.loweredProgram`), so concurrent first
///   matches are safe; `init` also fills it eagerly by running one match.
final class CompiledPattern: @unchecked Sendable {
    /// The pattern as written in the schema, for error messages.
    let source: String
    private let regex: Regex<AnyRegexOutput>

    /// Compiles the ECMA-262 `source` (see ``ECMAScriptPattern``) with ECMA-262's matching rules:
    /// Unicode scalars rather than grapheme clusters (`.` matches one code point, as with the `u`
    /// flag), and ASCII-only `\d`, `\w` and `\b`.
    init(ecmaScript source: String) throws(PatternError) {
        let translated = try ECMAScriptPattern.translate(source)
        let parsed: Regex<AnyRegexOutput>
        do {
            parsed = try Regex(translated)
        } catch {
            throw PatternError("\(error)")
        }
        self.source = source
        self.regex = parsed
            .matchingSemantics(.unicodeScalar)
            .asciiOnlyDigits()
            .asciiOnlyWordCharacters()
            .wordBoundaryKind(.simple)
        // Lower the program now, so that the first validation does not pay for it.
        _ = "".contains(self.regex)
    }

    /// Whether the pattern matches anywhere in `string` (patterns are not implicitly anchored).
    func matches(_ string: String) -> Bool {
        string.contains(regex)
    }
}
