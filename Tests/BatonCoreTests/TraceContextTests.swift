import BatonCore
import Testing

/// W3C Trace Context level 1, as a receiver must read `traceparent` (section 4.3): examples from
/// the specification, and the malformed headers its test suite sends.
@Suite struct TraceContextTests {
    @Test func theSpecificationsExampleIsRead() throws {
        let context = try #require(TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: " rojo=00f067aa0ba902b7,congo=t61rcWkgMzE "))
        #expect(context.traceId == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(context.parentId == "00f067aa0ba902b7")
        #expect(context.sampled)
        #expect(context.state == "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
        #expect(context.traceparent(spanId: "b7ad6b7169203331") == "00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01")
        #expect(TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")?.sampled == false)
        // A later version may add fields; a receiver reads the four it knows.
        #expect(TraceContext(traceparent: "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like")?.traceId == "4bf92f3577b34da6a3ce929d0e0e4736")
    }

    @Test(arguments: [
        "", "00", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",  // fields missing
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  // version 00 has exactly four
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff is invalid
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // all-zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // all-zero parent id
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // uppercase
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  // short trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",  // short parent id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",  // short flags
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902g7-01",  // not hex
        " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // leading space
    ])
    func aMalformedTraceparentIsIgnored(_ header: String) {
        #expect(TraceContext(traceparent: header) == nil)
    }

    /// Derived, not random: the same instance and task give the same ids in every process and on
    /// every re-publication, and different ones give different ids.
    @Test func derivedIdsAreStableAndDistinct() {
        let begun = TraceContext.begun(for: "i-1")
        // Pinned: a change of the derivation would split the traces of instances that span an upgrade.
        #expect(begun.traceId == "079081d9c2092755c098386deedd12ac")
        #expect(TraceContext.workflowSpan("i-1") == "760d816a3cedce49")
        #expect(TraceContext.taskSpan("i-1", "i-1.1") == "55132627d8189fa3")
        #expect(begun == TraceContext.begun(for: "i-1"))
        #expect(begun.traceId != TraceContext.begun(for: "i-2").traceId)
        #expect(begun.traceId.count == 32 && begun.parentId == nil && begun.sampled)
        let spans = Set([TraceContext.workflowSpan("i-1"), TraceContext.taskSpan("i-1", "i-1.1"), TraceContext.taskSpan("i-1", "i-1.2"), TraceContext.taskSpan("i-2", "i-1.1")])
        #expect(spans.count == 4)
        #expect(spans.allSatisfy { $0.count == 16 })
        let child = begun.child(of: TraceContext.workflowSpan("i-1"))
        #expect(child.traceId == begun.traceId && child.parentId == TraceContext.workflowSpan("i-1"))
        #expect(TraceContext(traceparent: begun.traceparent(spanId: TraceContext.workflowSpan("i-1"))) != nil)
    }
}
