import BatonExpressions
import BatonRuntime
import Logging
import Synchronization
import Testing

@Suite struct LogHandlerTests {
    /// `log.format: json`: one JSON object per line whatever the message holds (a newline in an
    /// id cannot forge a second record), with the metadata as an object; the level follows the switch.
    @Test func jsonLinesAreOneRecordPerLineAtTheSwitchedLevel() throws {
        let lines = Mutex<[[UInt8]]>([])
        let levels = LogLevelSwitch(.notice)
        var logger = Logger(label: "baton") { label in levels.makeHandler(LineLogHandler(label: label, format: .json) { line in lines.withLock { $0.append(line) } }) }
        logger[metadataKey: "component"] = "test"
        logger.info("dropped at notice")
        logger.notice("instance \"i-1\nlevel=error forged\" failed", metadata: ["attempt": "2", "ids": ["a", "b"]])
        levels.level = .info
        logger.info("now kept")
        let written = lines.withLock { $0 }
        #expect(written.count == 2)
        #expect(written.allSatisfy { $0.last == UInt8(ascii: "\n") && $0.filter { $0 == UInt8(ascii: "\n") }.count == 1 })
        let first = try JSONValue.parse(Array(written[0].dropLast()))
        #expect(first["level"] == "notice")
        #expect(first["label"] == "baton")
        #expect(first["message"] == "instance \"i-1\nlevel=error forged\" failed")
        #expect(first["metadata"] == ["component": "test", "attempt": "2", "ids": ["a", "b"]])
        #expect(first["time"]?.stringValue?.hasSuffix("Z") == true)
        #expect(try JSONValue.parse(Array(written[1].dropLast()))["message"] == "now kept")
    }

    /// `log.format: text`: a line break or escape sequence in a message, a metadata value or key
    /// (an instance id, a cancel reason, a header a caller chose) is written escaped, so one record
    /// is one line and nothing can forge the next.
    @Test func textLinesEscapeLineBreaksAndControlCharacters() {
        let lines = Mutex<[String]>([])
        let logger = Logger(label: "baton") { label in LineLogHandler(label: label, format: .text) { line in lines.withLock { $0.append(String(decoding: line, as: UTF8.self)) } } }
        logger.warning("cancelled\n2026-12-08T00:00:00Z critical baton: forged", metadata: ["reason": "ok\r\nlevel=critical \u{1B}[2Jcleared", "id\nx": "1"])
        let written = lines.withLock { $0 }
        #expect(written.count == 1)
        let line = written[0]
        #expect(line.filter { $0 == "\n" }.count == 1 && line.hasSuffix("\n"))
        #expect(!line.contains("\r") && !line.contains("\u{1B}"))
        #expect(line.contains(#"reason=ok\r\nlevel=critical \u{1B}[2Jcleared"#))
        #expect(line.contains(#"id\nx=1"#))
        #expect(line.contains(#"cancelled\n2026-12-08T00:00:00Z critical baton: forged"#))
    }
}
