import BatonCore
import BatonExpressions
import BatonStore
import Synchronization

/// Compiled definitions by id and version, with the latest version of each.
///
/// Compiling is not free (every expression is parsed), and the same few definitions serve every
/// message, so each version is compiled once per process. Versions registered through other
/// processes sharing the store are learned by `DefinitionWatcher`.
final class DefinitionCatalog: Sendable {
    private struct State {
        var versions: [String: [Int: WorkflowDefinition]] = [:]
        var latest: [String: Int] = [:]
        /// `maxConcurrent` of each definition's latest version that has one.
        var limits: [String: Int] = [:]
        /// `eventKeys(for:)` by event, until the next insert.
        var eventKeys: [String: [String: JSONTemplate]] = [:]
    }

    private let state = Mutex(State())

    func insert(_ definition: WorkflowDefinition, isLatest: Bool) {
        state.withLock { s in
            s.versions[definition.id, default: [:]][definition.version] = definition
            s.eventKeys = [:]
            if isLatest || (s.latest[definition.id] ?? 0) < definition.version {
                s.latest[definition.id] = definition.version
                s.limits[definition.id] = definition.maxConcurrent
            }
        }
    }

    /// Each workflow's own concurrency limit: its latest version's `maxConcurrent`, for all its versions.
    var workflowLimits: [String: Int] { state.withLock { $0.limits } }

    func maxConcurrent(of id: String) -> Int? { state.withLock { $0.limits[id] } }

    func latestVersion(of id: String) -> Int? { state.withLock { $0.latest[id] } }

    func cached(id: String, version: Int?) -> WorkflowDefinition? {
        state.withLock { s in
            guard let v = version ?? s.latest[id] else { return nil }
            return s.versions[id]?[v]
        }
    }

    /// Latest versions of all definitions that have triggers for `eventType`.
    func triggered(by eventType: String) -> [WorkflowDefinition] {
        state.withLock { s in
            s.latest.keys.sorted().compactMap { id -> WorkflowDefinition? in
                guard let d = s.versions[id]?[s.latest[id]!], d.triggers.contains(where: { $0.eventType == eventType }) else { return nil }
                return d
            }
        }
    }

    /// The `eventKey` templates (by source text) of every cached definition version's
    /// `waitForEvent` steps for `event`.
    func eventKeys(for event: String) -> [String: JSONTemplate] {
        state.withLock { s in
            if let known = s.eventKeys[event] { return known }
            var keys: [String: JSONTemplate] = [:]
            for versions in s.versions.values {
                for definition in versions.values {
                    for step in definition.steps.values {
                        if case .waitForEvent(let wait) = step.kind, wait.event == event, wait.correlation != nil { keys[wait.eventKeySource] = wait.eventKey }
                    }
                }
            }
            s.eventKeys[event] = keys
            return keys
        }
    }

    /// The definition from the cache, or loaded from the store and compiled.
    func resolve(id: String, version: Int?, store: any WorkflowStore) async throws(StoreError) -> WorkflowDefinition? {
        if let hit = cached(id: id, version: version) { return hit }
        guard let record = try await store.definition(id: id, version: version) else { return nil }
        let compiled: WorkflowDefinition
        do {
            compiled = try DefinitionCompiler.compile(document: record.document, version: record.version)
        } catch {
            throw StoreError(.corrupt, "stored definition \(id) v\(record.version) no longer compiles: \(error)")
        }
        insert(compiled, isLatest: version == nil)
        return compiled
    }
}
