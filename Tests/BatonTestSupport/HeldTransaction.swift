import BatonStorePostgres
import Logging
import PostgresNIO

/// A transaction left open on a connection of its own until `commit()`: what another Baton
/// process's slow commit looks like to this one (its rows drawn sequences, and no one sees them
/// until it commits).
public final class HeldTransaction: Sendable {
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let body: Task<Void, any Error>
    private let release: AsyncStream<Void>.Continuation

    /// Runs `BEGIN` and `statements` and returns with the transaction still open.
    public static func begin(in database: PostgresStore.Configuration, _ statements: [String]) async throws -> HeldTransaction {
        let client = PostgresClient(configuration: PostgresClient.Configuration(
            host: database.host, port: database.port, username: database.username, password: database.password, database: database.database, tls: .disable))
        let runner = Task { await client.run() }
        let (released, release) = AsyncStream.makeStream(of: Void.self)
        let (began, begin) = AsyncStream.makeStream(of: Result<Void, any Error>.self)
        let body = Task {
            do {
                try await client.withConnection { connection in
                    try await connection.query("BEGIN", logger: Self.logger)
                    for statement in statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: Self.logger) }
                    begin.yield(.success(()))
                    for await _ in released { break }
                    try await connection.query("COMMIT", logger: Self.logger)
                }
            } catch {
                begin.yield(.failure(error))
                throw error
            }
        }
        let held = HeldTransaction(client: client, runner: runner, body: body, release: release)
        for await outcome in began {
            do {
                try outcome.get()
            } catch {
                await held.close()
                throw error
            }
            break
        }
        return held
    }

    private init(client: PostgresClient, runner: Task<Void, Never>, body: Task<Void, any Error>, release: AsyncStream<Void>.Continuation) {
        self.client = client
        self.runner = runner
        self.body = body
        self.release = release
    }

    /// Commits and closes the connection.
    public func commit() async throws {
        release.yield(())
        let outcome = await body.result
        await close()
        try outcome.get()
    }

    private func close() async {
        release.finish()
        _ = await body.result
        runner.cancel()
        await runner.value
    }

    private static let logger = Logger(label: "baton.tests.held-transaction")
}
