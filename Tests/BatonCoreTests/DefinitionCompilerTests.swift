import BatonCore
import BatonExpressions
import Testing

@Suite("Definitions: parsing and validation")
struct DefinitionCompilerTests {
    @Test func yamlAndJSONDocumentsCompileToTheSameDefinition() throws {
        let yaml = try DefinitionCompiler.compile(text: twoTasks, version: 3)
        let json = try DefinitionCompiler.compile(text: yaml.document.serialized(), version: 3)
        #expect(yaml == json)
        #expect(yaml.startAt == "first")
        #expect(yaml.stepOrder == ["first", "second"])
        #expect(yaml.taskTypes == ["work.first", "work.second"])
        #expect(yaml.version == 3)
    }

    @Test func errorHandlingCompiles() throws {
        let d = try DefinitionCompiler.compile(text: """
            id: h
            retry: {maxAttempts: 4}
            onFailure: b
            timeout: 1h
            steps:
              - id: a
                type: task
                taskType: t
                retry: {maxAttempts: 5, initialInterval: 2s, backoffCoefficient: 3, maxInterval: 1m, jitter: full, retryOn: [X], nonRetryable: [Y], maxElapsed: 10m}
                catch: [{errors: [E1, E2], next: b}, {errors: ["*"], next: b}]
                fallback: b
              - { id: b, type: task, taskType: t, continueOnFailure: true }
            """)
        #expect(d.retry?.maxAttempts == 4)
        #expect(d.onFailure == "b")
        #expect(d.timeoutMilliseconds == 3_600_000)
        let a = d.steps["a"]!.onError
        #expect(a.retry == RetryPolicy(maxAttempts: 5, initialIntervalMilliseconds: 2000, backoffCoefficient: 3, maxIntervalMilliseconds: 60_000, jitter: .full, retryOn: ["X"], nonRetryable: ["Y"], maxElapsedMilliseconds: 600_000))
        #expect(a.catches == [Step.Catch(errors: ["E1", "E2"], next: "b"), Step.Catch(errors: [], next: "b")])
        #expect(a.fallback == "b")
        #expect(d.steps["b"]!.onError.continueOnFailure)
    }

    @Test func invalidErrorHandlingIsReportedFieldByField() {
        do {
            _ = try DefinitionCompiler.compile(text: """
                id: h
                onFailure: nowhere
                steps:
                  - id: a
                    type: task
                    taskType: t
                    retry: {maxAttempts: 0, initialInterval: 5s, maxInterval: 1s, jitter: sometimes, backoffCoefficient: 0.5}
                    catch: [{errors: [E], next: missing}]
                    fallback: gone
                """)
            Issue.record("an invalid definition compiled")
        } catch {
            let fields = Set(error.issues.map(\.field))
            #expect(fields.isSuperset(of: [
                "/onFailure", "/steps/0/retry/maxAttempts", "/steps/0/retry/maxInterval", "/steps/0/retry/jitter",
                "/steps/0/retry/backoffCoefficient", "/steps/0/catch/0/next", "/steps/0/fallback",
            ]))
            #expect(error.issues.filter { $0.field.hasPrefix("/steps/0") }.allSatisfy { $0.stepId == "a" })
        }
    }

    @Test func startAtOverridesTheFirstStep() throws {
        let d = try DefinitionCompiler.compile(text: """
            id: s
            startAt: b
            steps:
              - { id: a, type: succeed }
              - { id: b, type: succeed }
            """)
        #expect(d.startAt == "b")
    }

    @Test func triggersCompileWithFilterAndMapping() throws {
        let d = try DefinitionCompiler.compile(text: """
            id: orders
            triggers:
              - type: com.example.order.created
                filter: "$.data.total > 0"
                input: { order: "${ $.data }" }
            steps:
              - { id: a, type: succeed }
            """)
        #expect(d.triggers.count == 1)
        #expect(d.triggers[0].eventType == "com.example.order.created")
        #expect(try d.triggers[0].filter?.evaluateCondition(in: ["data": ["total": 5]]) == true)
    }

    @Test func everyProblemIsReportedWithStepFieldAndColumn() {
        let text = """
            id: "bad id!"
            steps:
              - id: first
                type: task
                input: { x: "${ $.input.a + }" }
                next: nowhere
              - id: first
                type: succeed
              - id: third
                type: teleport
              - id: fourth
                type: choice
                choices:
                  - when: "lenght($.input) > 1"
                    next: first
              - id: fifth
                type: set
                set: { a: 1 }
                nxet: first
            """
        #expect(throws: DefinitionError.self) { try DefinitionCompiler.compile(text: text) }
        do {
            _ = try DefinitionCompiler.compile(text: text)
        } catch {
            let byField = Dictionary(grouping: error.issues, by: \.field)
            #expect(byField["/id"] != nil)
            #expect(byField["/steps/0/taskType"]?.first?.stepId == "first")
            #expect(byField["/steps/0/input/x"]?.first?.column != nil)
            #expect(byField["/steps/0/next"]?.first?.message.contains("nowhere") == true)
            #expect(byField["/steps/1/id"]?.first?.message.contains("duplicate") == true)
            #expect(byField["/steps/2/type"]?.first?.stepId == "third")
            let choice = byField["/steps/3/choices/0/when"]?.first
            #expect(choice?.stepId == "fourth")
            #expect(choice?.column == 1)
            #expect(choice?.message.contains("len") == true)
            #expect(byField["/steps/4/nxet"]?.first?.message.contains("unknown field") == true)
            #expect(error.issues.count >= 8)
        }
    }

    @Test func aDefinitionWithoutStepsIsRejected() {
        #expect(throws: DefinitionError.self) { try DefinitionCompiler.compile(text: "id: empty\nsteps: []") }
    }

    @Test func invalidJSONIsReportedWithItsPosition() {
        do {
            _ = try DefinitionCompiler.compile(text: "{\"id\": \"x\",\n \"steps\": [}")
            Issue.record("expected an error")
        } catch {
            #expect(error.issues.count == 1)
            #expect(error.issues[0].message.contains("line 2"))
        }
    }

    @Test(arguments: [
        ("500ms", Int64(500)), ("30s", 30_000), ("5m", 300_000), ("2h", 7_200_000), ("1d", 86_400_000), ("1.5s", 1_500),
    ])
    func durationsParse(text: String, milliseconds: Int64) {
        #expect(parseDuration(.string(text)) == milliseconds)
    }

    @Test(arguments: ["", "s", "-1s", "10 parsecs", "1w"])
    func invalidDurationsAreRejected(text: String) {
        #expect(parseDuration(.string(text)) == nil)
    }
}

@Suite("Instances: codec and state document")
struct InstanceCodecTests {
    @Test func theStateDocumentHasTheDocumentedShape() throws {
        let definition = try compile(twoTasks)
        let s = Engine().start(StartWorkflow(instanceId: "i1", input: ["name": "Ada"], origin: "api"), definition: definition, now: t0)
        let doc = s.instance.stateDocument
        #expect(doc["input"] == ["name": "Ada"])
        #expect(doc["vars"] == [:])
        #expect(doc["steps"]?["first"]?["status"] == "SCHEDULED")
        #expect(doc["steps"]?["first"]?["attempt"] == 1)
        #expect(doc["steps"]?["first"]?["startedAt"] == .string(t0.iso8601))
        #expect(doc["steps"]?["first"]?["output"] == .null)
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (Int64(1_800_000_000_123), "2027-01-15T08:00:00.123Z"),
        (Int64(951_782_400_000), "2000-02-29T00:00:00.000Z"),
        (Int64(-1), "1969-12-31T23:59:59.999Z"),
    ])
    func timestampsFormatAndParseRFC3339(ms: Int64, text: String) {
        #expect(Timestamp(milliseconds: ms).iso8601 == text)
        #expect(Timestamp(iso8601: text) == Timestamp(milliseconds: ms))
    }

    @Test func timestampsWithOffsetsAndNoFractionParse() {
        #expect(Timestamp(iso8601: "2027-01-15T09:00:00+01:00") == Timestamp(milliseconds: 1_800_000_000_000))
        #expect(Timestamp(iso8601: "2027-01-15T08:00:00Z") == Timestamp(milliseconds: 1_800_000_000_000))
        #expect(Timestamp(iso8601: "not a time") == nil)
        #expect(Timestamp(iso8601: "2027-13-15T08:00:00Z") == nil)
    }
}
