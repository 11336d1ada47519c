import BatonStore
import Foundation
import PostgresNIO

extension PostgresStore {
    /// Where the database is and how many connections this process may hold.
    public struct Configuration: Sendable, Hashable {
        public var host: String
        public var port: Int
        public var username: String
        public var password: String?
        public var database: String
        /// `disable`, `prefer` (the default, as libpq) or `require`.
        public var tls: TLSMode
        /// Connections this process opens at most. Default: 10 (a commit holds one, reads and
        /// the relay a few more; PostgreSQL's default limit is 100 for all processes together).
        public var maxConnections: Int
        /// How long one store call (a read, or a whole commit) may take before it is given up as
        /// a retryable `.unavailable` and its connection closed. Default: 30 s. A safety net:
        /// PostgresNIO 1.33 never answers a query written to a connection the server is just
        /// closing (a failover, `pg_terminate_backend`), and without a deadline that call — and
        /// the commit pipeline behind it — would wait for ever.
        public var operationTimeout: Duration = .seconds(30)

        public enum TLSMode: String, Sendable, Hashable, CaseIterable {
            case disable, prefer, require
        }

        public init(host: String = "127.0.0.1", port: Int = 5432, username: String, password: String? = nil, database: String, tls: TLSMode = .prefer, maxConnections: Int = 10) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.database = database
            self.tls = tls
            self.maxConnections = maxConnections
        }

        /// Parses `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require&pool=N]`
        /// (`postgresql://` too), as libpq and most tools write it.
        ///
        /// - Throws: `.invalid` naming what is wrong with the URL.
        public init(url: String) throws(StoreError) {
            guard let components = URLComponents(string: url), let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme) else {
                throw StoreError(.invalid, "'\(Self.redact(url))' is not a PostgreSQL URL; expected postgres://user:password@host:port/database")
            }
            guard let user = components.user, !user.isEmpty else {
                throw StoreError(.invalid, "the PostgreSQL URL '\(Self.redact(url))' names no user; expected postgres://user@host/database")
            }
            let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
            guard !database.isEmpty else {
                throw StoreError(.invalid, "the PostgreSQL URL '\(Self.redact(url))' names no database; expected postgres://user@host/database")
            }
            var tls = TLSMode.prefer
            var pool = 10
            var timeout = Duration.seconds(30)
            for item in components.queryItems ?? [] {
                switch item.name {
                case "sslmode":
                    guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                        throw StoreError(.invalid, "sslmode '\(item.value ?? "")' is not one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    tls = mode
                case "pool":
                    guard let value = item.value.flatMap(Int.init), (1...1000).contains(value) else {
                        throw StoreError(.invalid, "pool '\(item.value ?? "")' must be a number of connections from 1 to 1000")
                    }
                    pool = value
                case "timeout":
                    guard let value = item.value.flatMap(Double.init), value >= 0.1, value <= 3_600 else {
                        throw StoreError(.invalid, "timeout '\(item.value ?? "")' must be seconds from 0.1 to 3600 (how long one store call may take)")
                    }
                    timeout = .milliseconds(Int64(value * 1_000))
                default:
                    throw StoreError(.invalid, "the PostgreSQL URL parameter '\(item.name)' is unknown; Baton reads sslmode, pool and timeout")
                }
            }
            self.init(
                host: components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1", port: components.port ?? 5432,
                username: user.removingPercentEncoding ?? user, password: components.password.map { $0.removingPercentEncoding ?? $0 },
                database: database.removingPercentEncoding ?? database, tls: tls, maxConnections: pool)
            self.operationTimeout = timeout
        }

        /// The URL without its password, for messages and logs.
        public var redactedURL: String {
            "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
        }

        static func redact(_ url: String) -> String {
            guard var components = URLComponents(string: url), components.password != nil else { return url }
            components.password = "***"
            return components.string ?? url
        }

        var clientConfiguration: PostgresClient.Configuration {
            let tlsSetting: PostgresClient.Configuration.TLS = switch tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
            var configuration = PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tlsSetting)
            configuration.options.maximumConnections = maxConnections
            configuration.options.connectTimeout = .seconds(5)
            return configuration
        }
    }
}
