import Foundation

extension Setting {
    /// The README's settings table (a test keeps the README equal to it).
    public static func markdownTable(_ catalog: [Setting]) -> String {
        var lines = ["| file key | environment | flag | default | what it sets |", "|---|---|---|---|---|"]
        for setting in catalog {
            let cells = [
                "`\(setting.key)`",
                setting.environment.map { "`\($0)`" } ?? "",
                setting.flag.map { "`--\($0)`" + (setting.kind == .map ? " (repeatable, `key=value`)" : "") } ?? "",
                setting.defaultValue.map { "`\($0)`" } ?? "unset",
                setting.summary.replacingOccurrences(of: "|", with: "\\|"),
            ]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }
}
