import BatonExpressions

/// Validates a definition document and compiles it into a `WorkflowDefinition`.
///
/// Validation is exhaustive on purpose: an author fixing a definition wants every problem at once,
/// each with the step, the field and the column, rather than one round trip per typo. Unknown
/// fields are errors too, because a misspelt `nxet` silently ignored is a production incident.
public enum DefinitionCompiler {
    /// Every step `type` a definition may use, in the order the docs list them (a test keeps the
    /// README and the definition schema in step with it).
    public static let stepTypes = ["task", "choice", "set", "wait", "succeed", "fail", "parallel", "foreach", "subworkflow", "waitForEvent"]

    /// Identifiers of workflows and steps: safe in URLs, topic names and logs.
    public static func isValidIdentifier(_ s: String) -> Bool {
        guard let first = s.utf8.first, s.utf8.count <= 128 else { return false }
        guard isAlnum(first) else { return false }
        return s.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    /// Task types become Kafka topic suffixes: Kafka allows `[a-zA-Z0-9._-]`, at most 249 characters.
    static func isValidTaskType(_ s: String) -> Bool { isValidIdentifier(s) }

    private static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
    }

    /// Parses and compiles definition text (JSON or YAML).
    public static func compile(text: String, version: Int = 0) throws(DefinitionError) -> WorkflowDefinition {
        try compile(document: DefinitionDocument.parse(text), version: version)
    }

    /// Compiles a document; throws every issue found.
    public static func compile(document: JSONValue, version: Int = 0) throws(DefinitionError) -> WorkflowDefinition {
        let oversized = DefinitionSizeLimits.issues(in: document)
        if !oversized.isEmpty { throw DefinitionError(issues: oversized) }
        var context = Context()
        let definition = context.compile(document, version: version)
        if let definition, context.issues.isEmpty { return definition }
        throw DefinitionError(issues: context.issues)
    }
}

struct Context {
    var issues: [DefinitionIssue] = []
    /// Every step of the document, nested ones included: ids are unique across the definition.
    var steps: [String: Step] = [:]
    var order: [String] = []
    var stepPointers: [String: String] = [:]

    mutating func issue(_ field: String, _ message: String, step: String? = nil, column: Int? = nil) {
        issues.append(DefinitionIssue(stepId: step, field: field, column: column, message: message))
    }

    mutating func compile(_ document: JSONValue, version: Int) -> WorkflowDefinition? {
        guard case .object(let root) = document else {
            issue("", "a definition must be an object, found \(document.typeName)")
            return nil
        }
        checkKeys(root, allowed: ["id", "name", "description", "startAt", "steps", "triggers", "output", "version", "retry", "onFailure", "timeout", "maxSteps", "maxConcurrent", "inputSchema", "outputSchema", "key", "schedules"], at: "")

        let id = requiredString(root, "id", at: "")
        if let id, !DefinitionCompiler.isValidIdentifier(id) {
            issue("/id", "'\(id)' is not a valid id: use 1–128 letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
        let name = optionalString(root, "name", at: "")
        let description = optionalString(root, "description", at: "")
        checkScheduleEntries(root["schedules"])

        var rootOrder: [String] = []
        switch root["steps"] {
        case nil:
            issue("/steps", "'steps' is required: a definition needs at least one step")
        case .array(let elements)?:
            if elements.isEmpty { issue("/steps", "'steps' must not be empty") }
            rootOrder = collect(elements, at: "/steps", container: nil)
        case let other?:
            issue("/steps", "'steps' must be an array, found \(other.typeName)")
        }

        // Every transition must lead to a step that exists, in the same sequence: a branch's
        // steps cannot jump out of it, nor the outside into it.
        for stepId in order {
            let step = steps[stepId]!
            let pointer = stepPointers[stepId]!
            for target in step.next.targets {
                checkTarget(target, from: step, at: pointer + (step.typeName == "choice" ? "/choices" : "/next"))
            }
            for (index, clause) in step.onError.catches.enumerated() {
                checkTarget(clause.next, from: step, at: pointer + "/catch/\(index)/next")
            }
            if let fallback = step.onError.fallback {
                checkTarget(fallback, from: step, at: pointer + "/fallback")
            }
            if case .waitForEvent(let wait) = step.kind, let onTimeout = wait.onTimeout {
                checkTarget(onTimeout, from: step, at: pointer + "/onTimeout")
            }
        }
        let retry = root["retry"].flatMap { compileRetry($0, at: "/retry", step: nil) }
        let onFailure = optionalString(root, "onFailure", at: "")
        if let onFailure, steps[onFailure]?.container != nil || steps[onFailure] == nil, !order.isEmpty {
            issue("/onFailure", steps[onFailure] == nil ? "unknown step '\(onFailure)'" : "'\(onFailure)' is inside a branch: onFailure must name a top-level step")
        }
        let timeout = root["timeout"].flatMap { duration($0, at: "/timeout", step: nil) }
        var maxSteps: Int?
        switch root["maxSteps"] {
        case nil, .null?: break
        case .number(let n)? where n >= 1 && n <= 100_000_000 && n.rounded() == n: maxSteps = Int(n)
        case let other?: issue("/maxSteps", "'maxSteps' must be a whole number from 1 to 100000000, found \(other.serialized())")
        }

        var maxConcurrent: Int?
        switch root["maxConcurrent"] {
        case nil, .null?: break
        case .number(let n)? where n >= 1 && n <= 1_000_000 && n.rounded() == n: maxConcurrent = Int(n)
        case let other?: issue("/maxConcurrent", "'maxConcurrent' must be a whole number from 1 to 1000000, found \(other.serialized())")
        }

        var startAt = rootOrder.first ?? ""
        if let explicit = optionalString(root, "startAt", at: "") {
            if steps[explicit]?.container != nil || steps[explicit] == nil, !order.isEmpty {
                issue("/startAt", steps[explicit] == nil ? "unknown step '\(explicit)'" : "'\(explicit)' is inside a branch: startAt must name a top-level step")
            }
            startAt = explicit
        }

        var triggers: [Trigger] = []
        switch root["triggers"] {
        case nil, .null?: break
        case .array(let elements)?:
            for (index, element) in elements.enumerated() {
                if let trigger = compileTrigger(element, at: "/triggers/\(index)") { triggers.append(trigger) }
            }
        case let other?:
            issue("/triggers", "'triggers' must be an array, found \(other.typeName)")
        }

        let output = root["output"].flatMap { template($0, at: "/output", step: nil) }
        let inputSchema = root["inputSchema"].flatMap { valueSchema($0, at: "/inputSchema") }
        let outputSchema = root["outputSchema"].flatMap { valueSchema($0, at: "/outputSchema") }
        let key = root["key"].flatMap { template($0, at: "/key", step: nil) }.map(BusinessKey.init(template:))

        guard let id else { return nil }
        var stored = root
        stored["version"] = nil
        var definition = WorkflowDefinition(
            id: id, version: version, name: name, description: description, startAt: startAt, steps: steps,
            stepOrder: order, triggers: triggers, output: output, document: .object(stored),
            retry: retry, onFailure: onFailure, timeoutMilliseconds: timeout, maxSteps: maxSteps
        )
        definition.inputSchema = inputSchema
        definition.outputSchema = outputSchema
        definition.key = key
        definition.maxConcurrent = maxConcurrent
        return definition
    }

    // MARK: Steps

    /// Compiles a sequence of steps (the definition's, or a branch's) and registers each; returns
    /// their ids in document order.
    mutating func collect(_ elements: [JSONValue], at pointer: String, container: String?) -> [String] {
        var ids: [String] = []
        for (index, element) in elements.enumerated() {
            let p = pointer + "/\(index)"
            guard var step = compileStep(element, at: p) else { continue }
            step.container = container
            if steps[step.id] != nil {
                issue(p + "/id", "duplicate step id '\(step.id)' (also at \(stepPointers[step.id]!)): step ids are unique across the definition, branches included", step: step.id)
                continue
            }
            steps[step.id] = step
            order.append(step.id)
            stepPointers[step.id] = p
            ids.append(step.id)
        }
        return ids
    }

    /// A transition from `step` must name a step of the same sequence.
    mutating func checkTarget(_ target: String, from step: Step, at pointer: String) {
        guard let other = steps[target] else {
            issue(pointer, "unknown step '\(target)'", step: step.id)
            return
        }
        if other.container != step.container {
            let place = { (c: String?) in c.map { "branch '\($0)'" } ?? "the top level" }
            issue(pointer, "step '\(target)' is in \(place(other.container)), not in \(place(step.container)) like '\(step.id)': a transition stays in its sequence", step: step.id)
        }
    }

    mutating func compileStep(_ value: JSONValue, at pointer: String) -> Step? {
        guard case .object(let object) = value else {
            issue(pointer, "a step must be an object, found \(value.typeName)")
            return nil
        }
        let id = requiredString(object, "id", at: pointer)
        if let id, !DefinitionCompiler.isValidIdentifier(id) {
            issue(pointer + "/id", "'\(id)' is not a valid step id: use 1–128 letters, digits, '.', '_' or '-'", step: id)
        }
        let stepId = id ?? "#\(pointer.split(separator: "/").last ?? "")"
        let type = requiredString(object, "type", at: pointer, step: stepId)
        var kind: Step.Kind?
        var next: Next = .end
        let common: Set<String> = ["id", "type", "next", "description"]
        let errorFields: Set<String> = ["catch", "fallback", "continueOnFailure"]
        var onError = compileErrorHandling(object, at: pointer, step: stepId)

        switch type {
        case "task":
            checkKeys(object, allowed: common.union(errorFields).union(["taskType", "input", "timeout", "heartbeatTimeout", "scheduleToStartTimeout", "retry"]), at: pointer, step: stepId)
            onError.retry = object["retry"].flatMap { compileRetry($0, at: pointer + "/retry", step: stepId) }
            let taskType = requiredString(object, "taskType", at: pointer, step: stepId)
            if let taskType, !DefinitionCompiler.isValidTaskType(taskType) {
                issue(pointer + "/taskType", "'\(taskType)' is not a valid task type: use letters, digits, '.', '_' or '-' (it names a Kafka topic)", step: stepId)
            }
            let input = object["input"].flatMap { template($0, at: pointer + "/input", step: stepId) }
            let timeout = object["timeout"].flatMap { duration($0, at: pointer + "/timeout", step: stepId) }
            next = compileNext(object["next"], at: pointer + "/next", step: stepId)
            let heartbeat = object["heartbeatTimeout"].flatMap { duration($0, at: pointer + "/heartbeatTimeout", step: stepId) }
            let toStart = object["scheduleToStartTimeout"].flatMap { duration($0, at: pointer + "/scheduleToStartTimeout", step: stepId) }
            if let taskType {
                kind = .task(TaskStep(taskType: taskType, input: input, timeoutMilliseconds: timeout, heartbeatTimeoutMilliseconds: heartbeat, scheduleToStartTimeoutMilliseconds: toStart))
            }
        case "choice":
            checkKeys(object, allowed: ["id", "type", "choices", "default", "description"], at: pointer, step: stepId)
            var branches: [Branch] = []
            switch object["choices"] {
            case .array(let elements)? where !elements.isEmpty:
                for (index, element) in elements.enumerated() {
                    let p = pointer + "/choices/\(index)"
                    guard case .object(let choice) = element else {
                        issue(p, "a choice must be an object with 'when' and 'next'", step: stepId)
                        continue
                    }
                    checkKeys(choice, allowed: ["when", "next"], at: p, step: stepId)
                    let condition = requiredString(choice, "when", at: p, step: stepId).flatMap { expression($0, at: p + "/when", step: stepId) }
                    let target = requiredString(choice, "next", at: p, step: stepId)
                    if let condition, let target { branches.append(Branch(condition: condition, target: target)) }
                }
            default:
                issue(pointer + "/choices", "a choice step needs a non-empty 'choices' array of {when, next}", step: stepId)
            }
            let otherwise = optionalString(object, "default", at: pointer, step: stepId)
            next = .conditional(branches, otherwise: otherwise)
            kind = .choice
        case "set":
            checkKeys(object, allowed: common.union(errorFields).union(["set"]), at: pointer, step: stepId)
            var values: [String: JSONTemplate] = [:]
            switch object["set"] {
            case .object(let members)? where !members.isEmpty:
                for (name, value) in members {
                    if let t = template(value, at: pointer + "/set/" + escapePointerToken(name), step: stepId) { values[name] = t }
                }
            default:
                issue(pointer + "/set", "a set step needs a non-empty 'set' object of variable names to values", step: stepId)
            }
            next = compileNext(object["next"], at: pointer + "/next", step: stepId)
            kind = .set(values)
        case "succeed":
            checkKeys(object, allowed: ["id", "type", "output", "description"], at: pointer, step: stepId)
            kind = .succeed(output: object["output"].flatMap { template($0, at: pointer + "/output", step: stepId) })
        case "fail":
            checkKeys(object, allowed: ["id", "type", "error", "description"], at: pointer, step: stepId)
            var code = "WORKFLOW_FAILED"
            var message: JSONTemplate?
            switch object["error"] {
            case nil: break
            case .object(let error)?:
                checkKeys(error, allowed: ["code", "message"], at: pointer + "/error", step: stepId)
                if let c = optionalString(error, "code", at: pointer + "/error", step: stepId) {
                    if c.isEmpty { issue(pointer + "/error/code", "'code' must not be empty", step: stepId) } else { code = c }
                }
                message = error["message"].flatMap { template($0, at: pointer + "/error/message", step: stepId) }
            case let other?:
                issue(pointer + "/error", "'error' must be an object with 'code' and 'message', found \(other.typeName)", step: stepId)
            }
            kind = .fail(code: code, message: message)
        case "wait":
            checkKeys(object, allowed: common.union(["duration", "until"]), at: pointer, step: stepId)
            switch (object["duration"], object["until"]) {
            case (let d?, nil):
                if let ms = duration(d, at: pointer + "/duration", step: stepId) { kind = .wait(.duration(milliseconds: ms)) }
            case (nil, let u?):
                if let t = template(u, at: pointer + "/until", step: stepId) { kind = .wait(.until(t)) }
            default:
                issue(pointer, "a wait step needs exactly one of 'duration' (e.g. \"10m\") and 'until' (an RFC 3339 time or epoch milliseconds, expressions allowed)", step: stepId)
            }
            next = compileNext(object["next"], at: pointer + "/next", step: stepId)
        case "parallel":
            checkKeys(object, allowed: common.union(errorFields).union(["branches", "join", "retry"]), at: pointer, step: stepId)
            onError.retry = object["retry"].flatMap { compileRetry($0, at: pointer + "/retry", step: stepId) }
            next = compileNext(object["next"], at: pointer + "/next", step: stepId)
            if let parallel = compileParallel(object, at: pointer, step: stepId) { kind = .parallel(parallel) }
        case "foreach":
            checkKeys(object, allowed: common.union(errorFields).union(["items", "steps", "maxConcurrency", "toleratedFailures", "retry"]), at: pointer, step: stepId)
            onError.retry = object["retry"].flatMap { compileRetry($0, at: pointer + "/retry", step: stepId) }
            next = compileNext(object["next"], at: pointer + "/next", step: stepId)
            if let foreach = compileForeach(object, at: pointer, step: stepId) { kind = .foreach(foreach) }
        case "subworkflow":
            checkKeys(object, allowed: common.union(errorFields).union(["workflow", "version", "input", "timeout", "retry"]), at: pointer, step: stepId)
            onError.retry = object["retry"].flatMap { compileRetry($0, at: pointer + "/retry", step: stepId) }
            next = compileNext(object["next"], at: pointer + "/next", step: stepId)
            if let subworkflow = compileSubworkflow(object, at: pointer, step: stepId) { kind = .subworkflow(subworkflow) }
        case "waitForEvent":
            checkKeys(object, allowed: common.union(errorFields).union(["event", "correlation", "eventKey", "into", "timeout", "onTimeout"]), at: pointer, step: stepId)
            next = compileNext(object["next"], at: pointer + "/next", step: stepId)
            if let wait = compileWaitForEvent(object, at: pointer, step: stepId) { kind = .waitForEvent(wait) }
        case nil:
            break
        case let other?:
            issue(pointer + "/type", "unknown step type '\(other)': expected one of \(DefinitionCompiler.stepTypes.joined(separator: ", "))", step: stepId)
        }
        guard let id else { return nil }
        // A step whose own fields are invalid still takes part in the duplicate-id and transition
        // checks, so one pass reports everything; the placeholder never escapes, because a
        // definition with issues is never returned.
        return Step(id: id, kind: kind ?? .fail(code: "INVALID_STEP", message: nil), next: next, onError: onError)
    }

    /// `catch`, `fallback` and `continueOnFailure` of a step (`retry` is read with task steps).
    mutating func compileErrorHandling(_ object: [String: JSONValue], at pointer: String, step: String) -> Step.ErrorHandling {
        var handling = Step.ErrorHandling()
        switch object["catch"] {
        case nil, .null?: break
        case .array(let clauses)?:
            for (index, element) in clauses.enumerated() {
                let p = pointer + "/catch/\(index)"
                guard case .object(let clause) = element else {
                    issue(p, "a catch clause must be an object with 'errors' and 'next'", step: step)
                    continue
                }
                checkKeys(clause, allowed: ["errors", "next"], at: p, step: step)
                let codes = stringList(clause["errors"], at: p + "/errors", step: step) ?? []
                if let next = requiredString(clause, "next", at: p, step: step) {
                    handling.catches.append(Step.Catch(errors: codes.contains("*") ? [] : Set(codes), next: next))
                }
            }
        case let other?:
            issue(pointer + "/catch", "'catch' must be an array of {errors, next}, found \(other.typeName)", step: step)
        }
        handling.fallback = optionalString(object, "fallback", at: pointer, step: step)
        switch object["continueOnFailure"] {
        case nil, .null?: break
        case .bool(let b)?: handling.continueOnFailure = b
        case let other?: issue(pointer + "/continueOnFailure", "'continueOnFailure' must be true or false, found \(other.typeName)", step: step)
        }
        return handling
    }

    /// `retry: {maxAttempts, initialInterval, backoffCoefficient, maxInterval, jitter, retryOn, nonRetryable, maxElapsed}`.
    mutating func compileRetry(_ value: JSONValue, at pointer: String, step: String?) -> RetryPolicy? {
        guard case .object(let object) = value else {
            issue(pointer, "'retry' must be an object, found \(value.typeName)", step: step)
            return nil
        }
        checkKeys(object, allowed: ["maxAttempts", "initialInterval", "backoffCoefficient", "maxInterval", "jitter", "retryOn", "nonRetryable", "maxElapsed"], at: pointer, step: step)
        var policy = RetryPolicy()
        let before = issues.count
        switch object["maxAttempts"] {
        case nil: break
        case .number(let n)? where n >= 1 && n <= 1000 && n.rounded() == n: policy.maxAttempts = Int(n)
        case let other?: issue(pointer + "/maxAttempts", "'maxAttempts' must be a whole number from 1 to 1000, found \(other.serialized())", step: step)
        }
        if let v = object["initialInterval"], let ms = duration(v, at: pointer + "/initialInterval", step: step) { policy.initialIntervalMilliseconds = ms }
        if let v = object["maxInterval"], let ms = duration(v, at: pointer + "/maxInterval", step: step) {
            policy.maxIntervalMilliseconds = ms
        } else if object["maxInterval"] == nil {
            policy.maxIntervalMilliseconds = max(policy.maxIntervalMilliseconds, policy.initialIntervalMilliseconds)
        }
        if policy.maxIntervalMilliseconds < policy.initialIntervalMilliseconds {
            issue(pointer + "/maxInterval", "'maxInterval' must not be shorter than 'initialInterval'", step: step)
        }
        switch object["backoffCoefficient"] {
        case nil: break
        case .number(let n)? where n >= 1 && n <= 100: policy.backoffCoefficient = n
        case let other?: issue(pointer + "/backoffCoefficient", "'backoffCoefficient' must be a number from 1 to 100, found \(other.serialized())", step: step)
        }
        switch object["jitter"] {
        case nil, .string("none")?: break
        case .string("full")?: policy.jitter = .full
        case .string("proportional")?: policy.jitter = .proportional(0.2)
        case .number(let f)? where f > 0 && f <= 1: policy.jitter = .proportional(f)
        case let other?: issue(pointer + "/jitter", "'jitter' must be \"none\", \"full\", \"proportional\" (±20%) or a fraction in (0, 1], found \(other.serialized())", step: step)
        }
        if let codes = stringList(object["retryOn"], at: pointer + "/retryOn", step: step) { policy.retryOn = Set(codes) }
        if let codes = stringList(object["nonRetryable"], at: pointer + "/nonRetryable", step: step) { policy.nonRetryable = Set(codes) }
        if let v = object["maxElapsed"] { policy.maxElapsedMilliseconds = duration(v, at: pointer + "/maxElapsed", step: step) }
        return issues.count == before ? policy : nil
    }

    /// An optional array of non-empty strings.
    mutating func stringList(_ value: JSONValue?, at pointer: String, step: String?) -> [String]? {
        switch value {
        case nil, .null?: return nil
        case .array(let elements)?:
            var strings: [String] = []
            for (index, element) in elements.enumerated() {
                if case .string(let s) = element, !s.isEmpty { strings.append(s) } else {
                    issue(pointer + "/\(index)", "expected a non-empty string, found \(element.serialized())", step: step)
                }
            }
            return strings
        case let other?:
            issue(pointer, "expected an array of strings, found \(other.typeName)", step: step)
            return nil
        }
    }

    /// `next: "step"`, or `next: [{when: "expr", goto: "step"}, …, {goto: "default"}]`.
    mutating func compileNext(_ value: JSONValue?, at pointer: String, step: String) -> Next {
        switch value {
        case nil, .null?:
            return .end
        case .string(let target)?:
            return .step(target)
        case .array(let elements)?:
            var branches: [Branch] = []
            var otherwise: String?
            for (index, element) in elements.enumerated() {
                let p = pointer + "/\(index)"
                guard case .object(let object) = element else {
                    issue(p, "a conditional transition must be an object with 'when' and 'goto'", step: step)
                    continue
                }
                checkKeys(object, allowed: ["when", "goto"], at: p, step: step)
                guard let target = requiredString(object, "goto", at: p, step: step) else { continue }
                if let when = object["when"] {
                    guard case .string(let source) = when else {
                        issue(p + "/when", "'when' must be an expression string", step: step)
                        continue
                    }
                    if let condition = expression(source, at: p + "/when", step: step) {
                        branches.append(Branch(condition: condition, target: target))
                    }
                } else {
                    if index != elements.count - 1 {
                        issue(p, "only the last transition may omit 'when' (it is the default)", step: step)
                    }
                    otherwise = target
                }
            }
            return .conditional(branches, otherwise: otherwise)
        case let other?:
            issue(pointer, "'next' must be a step id or an array of {when, goto}, found \(other.typeName)", step: step)
            return .end
        }
    }

    // MARK: Triggers

    mutating func compileTrigger(_ value: JSONValue, at pointer: String) -> Trigger? {
        guard case .object(let object) = value else {
            issue(pointer, "a trigger must be an object, found \(value.typeName)")
            return nil
        }
        checkKeys(object, allowed: ["type", "filter", "input"], at: pointer)
        let type = requiredString(object, "type", at: pointer)
        let filter = optionalString(object, "filter", at: pointer).flatMap { expression($0, at: pointer + "/filter", step: nil) }
        let input = object["input"].flatMap { template($0, at: pointer + "/input", step: nil) }
        guard let type else { return nil }
        return Trigger(eventType: type, filter: filter, input: input)
    }

    // MARK: Leaves

    /// A JSON Schema 2020-12 document, compiled now so a broken one is refused at registration.
    mutating func valueSchema(_ value: JSONValue, at pointer: String) -> ValueSchema? {
        switch value {
        case .object, .bool:
            do {
                return try ValueSchema(value)
            } catch {
                issue(pointer + error.pointer, "not a valid JSON Schema: \(error.message)")
                return nil
            }
        default:
            issue(pointer, "a schema must be a JSON Schema object (or true/false), found \(value.typeName)")
            return nil
        }
    }

    mutating func expression(_ source: String, at pointer: String, step: String?) -> Expression? {
        do {
            return try Expression(parsing: source)
        } catch {
            issue(pointer, error.message, step: step, column: error.column)
            return nil
        }
    }

    mutating func template(_ value: JSONValue, at pointer: String, step: String?) -> JSONTemplate? {
        let problems = JSONTemplate.validate(value)
        if problems.isEmpty, let t = try? JSONTemplate(parsing: value) { return t }
        for problem in problems {
            issue(pointer + problem.pointer, problem.message, step: step, column: problem.column)
        }
        return nil
    }

    /// Durations as `"30s"`, `"500ms"`, `"5m"`, `"2h"`, `"1d"` or a number of milliseconds.
    mutating func duration(_ value: JSONValue, at pointer: String, step: String?) -> Int64? {
        if let ms = parseDuration(value) { return ms }
        issue(pointer, "invalid duration \(value.serialized()): use e.g. \"500ms\", \"30s\", \"5m\", \"2h\", \"1d\" or milliseconds", step: step)
        return nil
    }

    mutating func requiredString(_ object: [String: JSONValue], _ key: String, at pointer: String, step: String? = nil) -> String? {
        switch object[key] {
        case .string(let s)? where !s.isEmpty: return s
        case nil, .null?: issue(pointer + "/" + key, "'\(key)' is required", step: step)
        case .string?: issue(pointer + "/" + key, "'\(key)' must not be empty", step: step)
        case let other?: issue(pointer + "/" + key, "'\(key)' must be a string, found \(other.typeName)", step: step)
        }
        return nil
    }

    mutating func optionalString(_ object: [String: JSONValue], _ key: String, at pointer: String, step: String? = nil) -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case let other?:
            issue(pointer + "/" + key, "'\(key)' must be a string, found \(other.typeName)", step: step)
            return nil
        }
    }

    mutating func checkKeys(_ object: [String: JSONValue], allowed: Set<String>, at pointer: String, step: String? = nil) {
        for key in object.keys.sorted() where !allowed.contains(key) {
            issue(pointer + "/" + escapePointerToken(key), "unknown field '\(key)' (allowed: \(allowed.sorted().joined(separator: ", ")))", step: step)
        }
    }
}

/// Parses `"500ms"`, `"30s"`, `"5m"`, `"2h"`, `"1d"` or a bare number of milliseconds.
public func parseDuration(_ value: JSONValue) -> Int64? {
    switch value {
    case .number(let n) where n >= 0 && n.rounded() == n && n < 1e15:
        return Int64(n)
    case .string(let s):
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, factor) in units where s.hasSuffix(suffix) {
            let number = s.dropLast(suffix.count)
            if suffix == "s", number.hasSuffix("m") { continue }
            if let n = Double(number), n >= 0, n.isFinite, n < 1e12 { return Int64((n * Double(factor)).rounded()) }
            return nil
        }
        return nil
    default:
        return nil
    }
}

extension Context {
    /// The shape of `schedules:` (an array of objects with unique ids); each entry's fields are
    /// checked by the runtime as a schedule document, which this module cannot read.
    mutating func checkScheduleEntries(_ value: JSONValue?) {
        guard let value, value != .null else { return }
        guard case .array(let entries) = value else {
            issue("/schedules", "'schedules' must be an array of schedules, found \(value.typeName)")
            return
        }
        var seen: Set<String> = []
        for (index, entry) in entries.enumerated() {
            guard case .object(let members) = entry else {
                issue("/schedules/\(index)", "a schedule must be an object, found \(entry.typeName)")
                continue
            }
            guard case .string(let id)? = members["id"], DefinitionCompiler.isValidIdentifier(id) else {
                issue("/schedules/\(index)/id", "each schedule needs an 'id' of 1–128 letters, digits, '.', '_' or '-', starting with a letter or digit")
                continue
            }
            if !seen.insert(id).inserted { issue("/schedules/\(index)/id", "schedule id '\(id)' appears twice") }
            for implied in ["workflowId", "definedBy"] where members[implied] != nil {
                issue("/schedules/\(index)/\(implied)", "'\(implied)' is implied by the definition; leave it out")
            }
        }
    }
}
