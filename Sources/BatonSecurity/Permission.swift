/// One thing a caller may be allowed to do. Routes and CLI verbs each name exactly one; roles are
/// sets of them.
///
/// Workflow-scoped permissions concern one workflow's definitions, instances and schedules, and a
/// grant can limit them to some workflow ids; the others concern the whole deployment and are
/// only ever granted globally.
public enum Permission: String, Sendable, Hashable, CaseIterable, Comparable {
    case definitionsRead = "definitions.read"
    case definitionsWrite = "definitions.write"
    case instancesRead = "instances.read"
    case instancesStart = "instances.start"
    /// Cancel, pause, resume, retry, rerun.
    case instancesOperate = "instances.operate"
    case instancesSignal = "instances.signal"
    case schedulesRead = "schedules.read"
    case schedulesWrite = "schedules.write"
    case deadLettersRead = "dead-letters.read"
    case deadLettersRedrive = "dead-letters.redrive"
    /// Outbox, circuit breakers, metrics: how the deployment runs.
    case systemRead = "system.read"
    /// Run-time configuration (the log level).
    case systemConfigure = "system.configure"
    case keysManage = "keys.manage"
    case auditRead = "audit.read"

    /// Whether a grant may limit this permission to some workflows.
    public var isWorkflowScoped: Bool {
        switch self {
        case .definitionsRead, .definitionsWrite, .instancesRead, .instancesStart, .instancesOperate, .instancesSignal, .schedulesRead, .schedulesWrite: true
        case .deadLettersRead, .deadLettersRedrive, .systemRead, .systemConfigure, .keysManage, .auditRead: false
        }
    }

    /// Whether it only reads.
    public var isRead: Bool { rawValue.hasSuffix(".read") }

    public static func < (a: Permission, b: Permission) -> Bool { a.rawValue < b.rawValue }
}
