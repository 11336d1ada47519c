/// What a fire time does while an instance the schedule started earlier is still running.
public enum OverlapPolicy: String, Sendable, Hashable, CaseIterable, Codable {
    /// The fire time is skipped (recorded as skipped): the default, so a slow run never piles up.
    case skip
    /// One fire time waits and starts when the running instance ends; later ones are skipped.
    case bufferOne
    /// Every fire time starts an instance, however many run.
    case allow
    /// The running instances are cancelled and the new one starts.
    case cancelPrevious
}
