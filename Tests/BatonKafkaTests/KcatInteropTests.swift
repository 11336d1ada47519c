import Foundation
import Testing

@testable import BatonKafka

/// The first `kcat` on PATH, if any.
let kcatExecutable: String? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/kcat" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}()

/// kcat is a different librdkafka program: it proves the embedded broker serves real Kafka
/// clients outside this process and that BatonKafka reads what others write.
@Suite("Interoperability with kcat", .enabled(if: kcatExecutable != nil, "kcat is not on PATH; install it (apt-get install kcat) to run the interop tests"))
struct KcatInteropTests {
    @Test(.timeLimit(.minutes(1)))
    func kcatListsTopicsAndItsMessagesAreConsumed() async throws {
        let kcat = try #require(kcatExecutable)
        let broker = try EmbeddedBroker(logger: TestSupport.logger)
        defer { broker.shutdown() }
        let topic = TestSupport.unique("kcat")
        try broker.createTopic(topic, partitions: 2)

        let listing = try await run(kcat, ["-b", broker.bootstrapServers, "-L", "-m", "10"])
        #expect(listing.contains("topic \"\(topic)\" with 2 partitions"))

        _ = try await run(kcat, ["-b", broker.bootstrapServers, "-P", "-t", topic, "-K", ":", "-m", "10"], input: "k1:hello\nk2:world\n")

        let consumer = try TestSupport.consumer(broker.bootstrapServers, group: TestSupport.unique("g"), topics: [topic])
        defer { consumer.close() }
        let messages = try await TestSupport.collect(consumer, count: 2)
        let pairs = Set(messages.map { String(decoding: $0.key ?? [], as: UTF8.self) + "=" + String(decoding: $0.value, as: UTF8.self) })
        #expect(pairs == ["k1=hello", "k2=world"])
    }

    /// Runs a process to completion on a background thread (Process.waitUntilExit blocks).
    private func run(_ executable: String, _ arguments: [String], input: String? = nil) async throws -> String {
        try await TestSupport.withDeadline(.seconds(20), "running kcat \(arguments.joined(separator: " "))") {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, any Error>) in
                Thread.detachNewThread {
                    do {
                        let process = Process()
                        process.executableURL = URL(fileURLWithPath: executable)
                        process.arguments = arguments
                        let output = Pipe()
                        process.standardOutput = output
                        process.standardError = FileHandle.nullDevice
                        let stdin = Pipe()
                        process.standardInput = stdin
                        try process.run()
                        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
                        try stdin.fileHandleForWriting.close()
                        let data = output.fileHandleForReading.readDataToEndOfFile()
                        process.waitUntilExit()
                        guard process.terminationStatus == 0 else {
                            throw TestSupport.DeadlineExceeded(what: "kcat exited with \(process.terminationStatus)")
                        }
                        continuation.resume(returning: String(decoding: data, as: UTF8.self))
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            }
        }
    }
}
