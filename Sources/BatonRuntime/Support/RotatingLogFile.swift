import Foundation
import Synchronization

/// A log file that rotates by size (`log.file`): when the next line would pass `maxBytes`, the file
/// becomes `<path>.1`, the older ones shift up to `<path>.<keep>` (the oldest is dropped) and a new
/// file starts. One `write(2)` per line under a lock, so lines of several threads never interleave
/// and a crash loses at most the line being written.
public final class RotatingLogFile: Sendable {
    public let path: String
    public let maxBytes: Int
    public let keep: Int
    private let state: Mutex<(descriptor: Int32, size: Int)>

    /// Opens (or creates, mode 0644) `path` for appending. Throws when it cannot be opened, naming it.
    public init(path: String, maxBytes: Int = 100 << 20, keep: Int = 5) throws {
        self.path = path
        self.maxBytes = max(1024, maxBytes)
        self.keep = max(1, keep)
        let descriptor = try Self.open(path)
        let size = Int(lseek(descriptor, 0, SEEK_END))
        state = Mutex((descriptor, max(0, size)))
    }

    deinit {
        state.withLock { _ = close($0.descriptor) }
    }

    public func write(_ line: [UInt8]) {
        state.withLock { file in
            if file.size > 0, file.size + line.count > maxBytes { rotate(&file) }
            line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Foundation.write(file.descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
                file.size += offset
            }
        }
    }

    private func rotate(_ file: inout (descriptor: Int32, size: Int)) {
        _ = close(file.descriptor)
        unlink("\(path).\(keep)")
        for index in stride(from: keep - 1, through: 1, by: -1) { rename("\(path).\(index)", "\(path).\(index + 1)") }
        rename(path, "\(path).1")
        // If the new file cannot be opened (disk gone), the lines go to standard error instead.
        file = ((try? Self.open(path)) ?? 2, 0)
    }

    private static func open(_ path: String) throws -> Int32 {
        let descriptor = Foundation.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot open the log file '\(path)': \(String(cString: strerror(errno)))"])
        }
        return descriptor
    }
}
