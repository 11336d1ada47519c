import BatonStore
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps this process's share of the outbox shards leased, for a relay on a shared store.
///
/// Why leases in a table with an epoch, not session advisory locks: an advisory lock lives as long
/// as its connection, and a process frozen past its Kafka session (SIGSTOP, a long GC-like stall,
/// a VM pause) keeps its connection, so its shards would go unpublished until it woke; a lease
/// simply runs out, and the epoch written with each change of hands fences the old holder's late
/// writes. The database's clock times the leases, so processes need not agree on theirs.
///
/// Locally, a lease counts only until `lease − margin` after the heartbeat that renewed it was
/// *sent*, so this process stops publishing a shard before anyone else can take it. What it
/// published just before may still reach Kafka after the new holder starts: at worst a message is
/// delivered twice (every message carries a stable id), and the first copies stay in order,
/// because each holder sends a shard's rows in sequence order.
public final class OutboxShardLeases: Service {
    public struct Configuration: Sendable {
        /// How long a lease lasts without renewal: how long a dead process's shards wait for a
        /// new holder. Default: 6 s.
        public var lease: Duration
        /// Time between heartbeats. Default: a third of the lease.
        public var heartbeat: Duration
        /// Safety margin for clock rate and delays. Default: 1 s.
        public var margin: Duration

        public init(lease: Duration = .seconds(6), heartbeat: Duration? = nil, margin: Duration = .seconds(1)) {
            self.lease = lease
            self.heartbeat = heartbeat ?? lease / 3
            self.margin = margin
        }
    }

    private struct State {
        var leases: [OutboxLease] = []
        var validUntil: ContinuousClock.Instant = .now
        var members = 0
        var heartbeats = 0
    }

    let store: any SharedWorkflowStore
    /// This process in the `baton_members` table.
    public let member: String
    let configuration: Configuration
    let logger: Logger
    private let state = Mutex(State())
    let changed: WakeSignal

    /// The relay given these leases wakes on this signal, so shards gained are scanned at once.
    public init(store: any SharedWorkflowStore, member: String, configuration: Configuration = Configuration(), logger: Logger) {
        self.store = store
        self.member = member
        self.configuration = configuration
        self.changed = WakeSignal()
        self.logger = logger
    }

    /// The leases still valid now (empty when the last renewal is too old).
    public func current() -> [OutboxLease] {
        state.withLock { s in ContinuousClock.now < s.validUntil ? s.leases : [] }
    }

    /// Members sharing the outbox at the last heartbeat, and heartbeats done (diagnostics, tests).
    public var membership: (members: Int, heartbeats: Int) { state.withLock { ($0.members, $0.heartbeats) } }

    public func run() async throws {
        let leaseMilliseconds = Int64(configuration.lease.components.seconds * 1000 + configuration.lease.components.attoseconds / 1_000_000_000_000_000)
        var backoff = Backoff(initial: .milliseconds(100), maximum: configuration.heartbeat)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let sent = ContinuousClock.now
            do {
                let grant = try await store.leaseOutboxShards(member: member, leaseMilliseconds: leaseMilliseconds)
                let gained = state.withLock { s -> Bool in
                    let gained = !Set(grant.leases).isSubset(of: s.leases) || ContinuousClock.now >= s.validUntil
                    if Set(grant.leases.map(\.shard)) != Set(s.leases.map(\.shard)) {
                        logger.info("outbox shards leased", metadata: ["shards": "\(grant.leases.count)", "members": "\(grant.members)"])
                    }
                    s.leases = grant.leases
                    s.validUntil = sent + configuration.lease - configuration.margin
                    s.members = grant.members
                    s.heartbeats += 1
                    return gained
                }
                if gained { changed.signal() }
                backoff.succeeded()
                try? await Task.sleep(for: configuration.heartbeat)
            } catch {
                logger.warning("could not renew outbox shard leases; retrying", metadata: ["error": "\(error)", "backoff": "\(backoff)"])
                await backoff.pause()
            }
        }
        // Stopped after the relay (started before it): give the shards back so others take them
        // now rather than after the lease time.
        state.withLock { $0.leases = [] }
        // Not cancelled with this task: a stop by cancellation should give them back as well.
        let (store, member) = (store, member)
        let released = await Task { () -> Result<Void, StoreError> in
            do throws(StoreError) {
                try await store.releaseOutboxShards(member: member)
                return .success(())
            } catch {
                return .failure(error)
            }
        }.value
        if case .failure(let error) = released {
            logger.warning("could not give back outbox shard leases; they expire by themselves", metadata: ["error": "\(error)"])
        }
    }
}
