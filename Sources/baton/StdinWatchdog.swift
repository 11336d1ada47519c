import Foundation

/// `--exit-on-stdin-close`: ends the process when its standard input reaches end-of-file.
///
/// A parent that starts Baton with a pipe on stdin (a test harness, a supervisor) then takes the
/// child down with it even when the parent is killed with SIGKILL and cannot clean up: the
/// kernel closes the pipe, and the child exits instead of running on, orphaned.
enum StdinWatchdog {
    static func start() {
        Thread.detachNewThread {
            while readLine(strippingNewline: false) != nil {}
            FileHandle.standardError.write(Data("baton: standard input closed; exiting (--exit-on-stdin-close)\n".utf8))
            exit(0)
        }
    }
}
