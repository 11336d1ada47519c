/// The Unicode properties a `pattern` may use in `\p{…}` and `\P{…}`.
///
/// ECMA-262 allows General_Category values, Script and Script_Extensions values, and a fixed list
/// of binary properties. Swift's `Regex` parses more names than it can evaluate and traps at
/// match time on the rest (blocks, `Emoji_Component`, `Extended_Pictographic`, PCRE and Java
/// specials), so names are checked against this allow-list first. Matching is loose, as in
/// Unicode's UAX44-LM3: case, `_`, `-` and spaces are ignored.
enum UnicodePropertyNames {
    /// Whether `body`, the text between the braces, names a supported property.
    static func isSupported(_ body: String) -> Bool {
        guard !body.isEmpty, body.unicodeScalars.allSatisfy(isNameScalar) else { return false }
        let parts = body.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return generalCategories.contains(loose(body)) || binaryProperties.contains(loose(body)) }
        switch loose(parts[0]) {
        case "generalcategory", "gc": return generalCategories.contains(loose(parts[1]))
        case "script", "sc", "scriptextensions", "scx": return !parts[1].isEmpty
        default: return false
        }
    }

    /// ECMA-262's grammar: property names and values are ASCII letters, digits and `_`.
    private static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x5F, 0x3D: true
        default: false
        }
    }

    private static func loose(_ name: some StringProtocol) -> String {
        String(name.lowercased().filter { $0 != "_" && $0 != "-" && $0 != " " })
    }

    private static let generalCategories: Set<String> = [
        "l", "letter", "lc", "casedletter", "lu", "uppercaseletter", "ll", "lowercaseletter", "lt", "titlecaseletter",
        "lm", "modifierletter", "lo", "otherletter", "m", "mark", "combiningmark", "mn", "nonspacingmark", "mc",
        "spacingmark", "me", "enclosingmark", "n", "number", "nd", "decimalnumber", "digit", "nl", "letternumber", "no",
        "othernumber", "p", "punctuation", "punct", "pc", "connectorpunctuation", "pd", "dashpunctuation", "ps",
        "openpunctuation", "pe", "closepunctuation", "pi", "initialpunctuation", "pf", "finalpunctuation", "po",
        "otherpunctuation", "s", "symbol", "sm", "mathsymbol", "sc", "currencysymbol", "sk", "modifiersymbol", "so",
        "othersymbol", "z", "separator", "zs", "spaceseparator", "zl", "lineseparator", "zp", "paragraphseparator",
        "c", "other", "cc", "control", "cntrl", "cf", "format", "cs", "surrogate", "co", "privateuse", "cn", "unassigned",
    ]

    /// ECMA-262's binary properties (long and short names) except the two Swift cannot evaluate,
    /// Emoji_Component and Extended_Pictographic.
    private static let binaryProperties: Set<String> = [
        "ascii", "asciihexdigit", "ahex", "alphabetic", "alpha", "any", "assigned", "bidicontrol", "bidic",
        "bidimirrored", "bidim", "caseignorable", "ci", "cased", "changeswhencasefolded", "cwcf",
        "changeswhencasemapped", "cwcm", "changeswhenlowercased", "cwl", "changeswhennfkccasefolded", "cwkcf",
        "changeswhentitlecased", "cwt", "changeswhenuppercased", "cwu", "dash", "defaultignorablecodepoint", "di",
        "deprecated", "dep", "diacritic", "dia", "emoji", "emojimodifier", "emod", "emojimodifierbase", "ebase",
        "emojipresentation", "epres", "extender", "ext", "graphemebase", "grbase", "graphemeextend", "grext",
        "hexdigit", "hex", "idsbinaryoperator", "idsb", "idstrinaryoperator", "idst", "idcontinue", "idc", "idstart",
        "ids", "ideographic", "ideo", "joincontrol", "joinc", "logicalorderexception", "loe", "lowercase", "lower",
        "math", "noncharactercodepoint", "nchar", "patternsyntax", "patsyn", "patternwhitespace", "patws",
        "quotationmark", "qmark", "radical", "regionalindicator", "ri", "sentenceterminal", "sterm", "softdotted",
        "sd", "terminalpunctuation", "term", "unifiedideograph", "uideo", "uppercase", "upper", "variationselector",
        "vs", "whitespace", "space", "xidcontinue", "xidc", "xidstart", "xids",
    ]
}
