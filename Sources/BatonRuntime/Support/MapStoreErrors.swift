import BatonStore

/// Runs a store call, mapping its errors to service errors.
func mapStore<T>(_ body: () async throws -> T) async throws(ServiceError) -> T {
    do {
        return try await body()
    } catch let error as StoreError {
        switch error.code {
        case .unavailable, .locked: throw ServiceError(.unavailable, "the store is unavailable: \(error.message)")
        case .conflict: throw ServiceError(.conflict, error.message)
        case .invalid: throw ServiceError(.invalidInput, error.message)
        case .stale: throw ServiceError(.staleDecision, error.message)
        default: throw ServiceError(.internal, "store failure: \(error.message)")
        }
    } catch let error as ServiceError {
        throw error
    } catch {
        throw ServiceError(.internal, "unexpected failure: \(error)")
    }
}
