import BatonCore
import Testing

@testable import BatonRuntime

@Suite struct MetricObservationTests {
    func event(_ type: LifecycleEventType, step: String? = "call", code: String? = nil, ms: Int64? = nil) -> LifecycleEvent {
        LifecycleEvent(
            id: "i.1", type: type, instanceId: "i", workflowId: "orders", workflowVersion: 1, stepId: step, status: "x",
            error: code.map { ErrorInfo(code: $0, message: "m") }, durationMilliseconds: ms, time: Timestamp(milliseconds: 0)
        )
    }

    /// A timed-out attempt emits step.timed_out and then step.retrying (or step.failed), both
    /// with code TIMEOUT: the error is counted once, from the second.
    @Test func everyFailedAttemptIsOneErrorAndOnlyEndsAreDurations() {
        var observed: [MetricObservation] = []
        for e in [
            event(.workflowStarted, step: nil), event(.stepScheduled), event(.stepTimedOut, code: "TIMEOUT", ms: 30_000),
            event(.stepRetrying, code: "TIMEOUT", ms: 30_000), event(.stepScheduled), event(.stepFailed, code: "DECLINED", ms: 250),
            event(.workflowFailed, step: nil, code: "DECLINED", ms: 31_000),
        ] {
            MetricObservation.of(e, into: &observed)
        }
        #expect(observed == [
            .workflowStarted(workflow: "orders"),
            .stepError(workflow: "orders", step: "call", code: "TIMEOUT"),
            .stepEnded(workflow: "orders", step: "call", outcome: "failed", seconds: 0.25),
            .stepError(workflow: "orders", step: "call", code: "DECLINED"),
            .workflowEnded(workflow: "orders", status: "x", seconds: 31),
        ])
    }

    /// Error codes come from workers: past 100 distinct values they are `OTHER`, and each is cut to 64 characters.
    @Test func errorCodeLabelsAreBounded() {
        var budget = LabelBudget(limit: 100)
        for n in 0..<100 { #expect(budget.admit("CODE_\(n)") == "CODE_\(n)") }
        #expect(budget.admit("CODE_100") == "OTHER")
        #expect(budget.admit("CODE_7") == "CODE_7")
        var fresh = LabelBudget(limit: 100)
        #expect(fresh.admit(String(repeating: "X", count: 200)).count == 64)
    }
}
