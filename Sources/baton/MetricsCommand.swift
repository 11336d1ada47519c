import ArgumentParser
import BatonAPI
import Foundation

struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics", abstract: "Summarise a server's /metrics for a person; --raw for the Prometheus text itself.")

    @OptionGroup var options: APIOptions
    @Flag(help: "Print the Prometheus text exposition as served.")
    var raw = false

    func run() async throws {
        let response = try await APIClient(options).send("GET", "/metrics")
        guard !raw, (200..<300).contains(response.status) else {
            try APIClient.printAndCheck(response)
            return
        }
        let text = String(decoding: response.body, as: UTF8.self)
        do {
            print(MetricsSummary.render(try PrometheusExposition(parsing: text)))
        } catch {
            throw ValidationError("the server's /metrics is not valid Prometheus text: \(error)")
        }
    }
}
