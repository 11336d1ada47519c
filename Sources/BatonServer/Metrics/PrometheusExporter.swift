import BatonAPI
import BatonRuntime
import Prometheus

/// `GET /metrics`: samples what is sampled, then writes the registry in Prometheus' text format.
final class PrometheusExporter: MetricsExposition {
    let registry: PrometheusCollectorRegistry
    let sampler: MetricsSampler

    init(registry: PrometheusCollectorRegistry, sampler: MetricsSampler) {
        self.registry = registry
        self.sampler = sampler
    }

    func exposition() async -> [UInt8] {
        await sampler.sample()
        return registry.emitToBuffer()
    }
}
