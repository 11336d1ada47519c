import Foundation

/// Runs one blocking teardown step (closing clients, destroying a broker) and, when it is still
/// running after `warnAfter`, says which step on stderr and dumps every thread's stack with gdb
/// when gdb is installed.
///
/// A test that hangs after its checks passed otherwise reports only "time limit exceeded"; one CI
/// run in about ten did that in the store-fault suite, and this is what names the call next time.
func teardownStep<T>(_ name: String, warnAfter: Duration = .seconds(15), _ body: () throws -> T) rethrows -> T {
    let done = DispatchSemaphore(value: 0)
    let watcher = Thread {
        guard done.wait(timeout: .now() + .milliseconds(Int(warnAfter.components.seconds * 1000))) == .timedOut else { return }
        FileHandle.standardError.write(Data("teardown step '\(name)' still running after \(warnAfter); thread stacks follow\n".utf8))
        dumpThreadStacks()
    }
    watcher.start()
    defer { done.signal() }
    return try body()
}

/// Every thread's backtrace, on stderr (gdb attached to this process for a moment).
private func dumpThreadStacks() {
    let gdb = "/usr/bin/gdb"
    guard FileManager.default.isExecutableFile(atPath: gdb) else { return }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: gdb)
    process.arguments = ["-p", "\(getpid())", "-batch", "-ex", "thread apply all bt 16"]
    process.standardOutput = FileHandle.standardError
    process.standardError = FileHandle.standardError
    try? process.run()
    process.waitUntilExit()
}
