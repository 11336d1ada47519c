import BatonMessages

/// Settings of the REST API server.
///
/// Kept apart from the runtime's configuration so the composition root maps file, environment and
/// flags onto it in one place, and tests can shrink limits to exercise them cheaply.
public struct APIConfiguration: Sendable, Hashable {
    /// Interface to bind. Default: `127.0.0.1` (expose deliberately, e.g. `0.0.0.0` in a container).
    public var host: String
    /// TCP port; 0 asks the OS for a free one (learn it through `onServerRunning`). Default: 8080.
    public var port: Int
    /// Largest request body accepted; larger ones get 413 before the handler runs. Default: 1 MiB.
    public var maxBodyBytes: Int
    /// Largest workflow input (a start request's body): what Baton can still publish in a task
    /// request once it has wrapped it (see `MessageBudget`). Default: 1,000,000 − 16 KiB bytes.
    public var maxInputBytes: Int
    /// Sent as `Retry-After` with 503 responses, so clients back off instead of hammering. Default: 5 seconds.
    public var retryAfter: Duration

    public init(host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 1 << 20, maxInputBytes: Int = MessageBudget().maxInputBytes, retryAfter: Duration = .seconds(5)) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.maxInputBytes = min(maxInputBytes, maxBodyBytes)
        self.retryAfter = retryAfter
    }

    /// `retryAfter` in whole seconds (the header's unit), at least 1.
    var retryAfterSeconds: Int64 { max(1, retryAfter.components.seconds) }
}
