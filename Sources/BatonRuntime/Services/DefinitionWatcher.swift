import Logging
import ServiceLifecycle

/// Makes definitions registered through another Baton process known to this one within a poll
/// interval, when several processes share a store.
///
/// A poll of the definition summaries (one small query; there are tens of definitions, not
/// millions) rather than LISTEN/NOTIFY: it needs no connection held aside, survives reconnects
/// and database restarts without re-subscribing, and a missed notification cannot leave a process
/// blind to a definition forever.
public final class DefinitionWatcher: Service {
    let orchestrator: Orchestrator
    let interval: Duration
    let logger: Logger

    /// - Parameter interval: time between polls. Default: 500 ms (the promise is one second).
    public init(orchestrator: Orchestrator, interval: Duration = .milliseconds(500), logger: Logger) {
        self.orchestrator = orchestrator
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let learned = try await orchestrator.learnNewDefinitions()
                if !learned.isEmpty { logger.info("learned definitions registered by another process", metadata: ["ids": "\(learned.joined(separator: ", "))"]) }
            } catch {
                logger.warning("could not look for definitions registered elsewhere; retrying", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
