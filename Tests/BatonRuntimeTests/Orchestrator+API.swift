import BatonRuntime

extension Orchestrator {
    /// The API service over this orchestrator, for the reads tests make as the REST API would.
    var api: WorkflowAPIService { WorkflowAPIService(orchestrator: self) }
}
