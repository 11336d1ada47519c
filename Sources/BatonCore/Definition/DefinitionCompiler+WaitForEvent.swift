import BatonExpressions

extension Context {
    /// `event`, optional `correlation`, `eventKey`, `into`, `timeout` and `onTimeout`.
    mutating func compileWaitForEvent(_ object: [String: JSONValue], at pointer: String, step stepId: String) -> WaitForEventStep? {
        let event = requiredString(object, "event", at: pointer, step: stepId)
        if let event, event.isEmpty || event.utf8.count > 255 {
            issue(pointer + "/event", "'event' must be a CloudEvent type or signal name of 1–255 bytes", step: stepId)
        }
        let correlation = object["correlation"].flatMap { template($0, at: pointer + "/correlation", step: stepId) }
        var eventKey: JSONTemplate?
        switch object["eventKey"] {
        case nil: break
        case .string(let text)?: eventKey = template(.string(text), at: pointer + "/eventKey", step: stepId)
        case let other?: issue(pointer + "/eventKey", "'eventKey' must be a string template such as \"${ $.data.orderId }\", found \(other.typeName)", step: stepId)
        }
        if object["eventKey"] != nil, correlation == nil {
            issue(pointer + "/eventKey", "'eventKey' needs 'correlation': without it only signals complete the step", step: stepId)
        }
        if eventKey == nil { eventKey = template(.string(WaitForEventStep.defaultEventKey), at: pointer + "/eventKey", step: stepId) }
        let into = optionalString(object, "into", at: pointer, step: stepId)
        if let into, !DefinitionCompiler.isValidIdentifier(into) {
            issue(pointer + "/into", "'\(into)' is not a valid variable name: use 1–128 letters, digits, '.', '_' or '-'", step: stepId)
        }
        let timeout = object["timeout"].flatMap { duration($0, at: pointer + "/timeout", step: stepId) }
        let onTimeout = optionalString(object, "onTimeout", at: pointer, step: stepId)
        if onTimeout != nil, timeout == nil, object["timeout"] == nil {
            issue(pointer + "/onTimeout", "'onTimeout' needs a 'timeout'", step: stepId)
        }
        guard let event, let eventKey else { return nil }
        return WaitForEventStep(event: event, correlation: correlation, eventKey: eventKey, into: into, timeoutMilliseconds: timeout, onTimeout: onTimeout)
    }
}
