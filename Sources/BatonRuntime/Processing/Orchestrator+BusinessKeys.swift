import BatonCore
import BatonStore

extension Orchestrator {
    /// The running (or paused) instance of `workflowId` with business key `key`, as this batch
    /// and the uncommitted ones before it left it: candidates come from the batch, the commit
    /// pipeline's overlay and the store's index, and each is checked in its latest state (one
    /// that ended in an uncommitted batch no longer holds its key).
    func runningInstance(workflowId: String, businessKey key: String, work: inout BatchWork) async throws(StoreError) -> WorkflowInstance? {
        let composite = BatchWork.businessKey(workflowId, key)
        var candidates: [String] = []
        if let id = work.businessKeys[composite] { candidates.append(id) }
        if let id = pipeline.businessKeyOwner(composite) { candidates.append(id) }
        candidates += try await store.runningInstanceIds(workflowId: workflowId, businessKey: key)
        var seen: Set<String> = []
        for id in candidates where seen.insert(id).inserted {
            if let instance = try await loadInstance(id, into: &work), !instance.status.isTerminal, instance.businessKey == key, instance.workflowId == workflowId {
                return instance
            }
        }
        return nil
    }
}
