import BatonRuntime

extension Orchestrator {
    /// The API service over this orchestrator, for the reads tests make as the REST API would.
    var api: WorkflowAPIService { WorkflowAPIService(orchestrator: self) }

    /// As the input consumer does: a batch refused as stale (another process moved one of its
    /// instances since this one read it) is decided again.
    func processDecidingAgain(_ message: InboundMessage) async throws {
        var attempt = 1
        while true {
            do {
                _ = try await process([message])
                return
            } catch {
                guard error.code == .stale, attempt < 8 else { throw error }
                attempt += 1
            }
        }
    }
}
