import BatonRuntime
import Foundation
import Logging
import Testing

@Suite struct RotatingLogFileTests {
    /// Lines past the size limit start a new file; the older ones shift to .1 … .keep and the
    /// oldest is dropped; no line is split across files.
    @Test func filesRotateBySizeKeepingTheNewest() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-logs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/baton.log"
        let file = try RotatingLogFile(path: path, maxBytes: 1024, keep: 2)
        let levels = LogLevelSwitch(.info)
        let logger = Logger(label: "baton") { levels.makeHandler(LineLogHandler(label: $0, format: .text, write: file.write)) }
        for n in 0..<60 { logger.info("line \(n) \(String(repeating: "x", count: 40))") }

        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(names == ["baton.log", "baton.log.1", "baton.log.2"])
        var lines: [String] = []
        for name in ["baton.log.2", "baton.log.1", "baton.log"] {
            let text = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
            #expect(text.utf8.count <= 1024, "\(name)")
            #expect(text.hasSuffix("\n"), "\(name) ends mid-line")
            lines += text.split(separator: "\n").map(String.init)
        }
        // The newest lines, in order, ending with the last; the oldest went with the dropped file.
        let numbers = lines.compactMap { $0.split(separator: " ").drop { $0 != "line" }.dropFirst().first.flatMap { Int($0) } }
        #expect(numbers.last == 59)
        #expect(numbers == Array((numbers.first ?? 0)...59))
        #expect((numbers.first ?? 0) > 0)
        #expect(lines.allSatisfy { $0.contains(" info baton: [BatonRuntimeTests] line ") })
        // A file that cannot be opened is an error naming it.
        #expect(throws: (any Error).self) { try RotatingLogFile(path: folder + "/missing/dir/baton.log") }
    }
}
