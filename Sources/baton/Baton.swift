import ArgumentParser

@main
struct Baton: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baton",
        abstract: "A Kafka-native workflow orchestrator.",
        discussion: """
            Run `baton dev` for a complete local setup (embedded broker, SQLite, REST API), \
            `baton serve` against a real Kafka cluster.
            """,
        subcommands: [
            DevCommand.self, ServeCommand.self, DevBrokerCommand.self, ValidateCommand.self,
            ApplyCommand.self, StartCommand.self, ListCommand.self, DefinitionsCommand.self, GetCommand.self, WatchCommand.self, HistoryCommand.self,
            CancelCommand.self, PauseCommand.self, ResumeCommand.self, RetryCommand.self, RerunCommand.self, SignalCommand.self, DeadLetterCommand.self,
            ScheduleCommand.self, MetricsCommand.self, WorkerCommand.self, BenchCommand.self, StoreCommand.self, ConfigCommand.self, KeysCommand.self, AuditCommand.self,
        ]
    )
}
