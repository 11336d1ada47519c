import Testing

/// The end-to-end suites, run one at a time.
///
/// Each starts embedded brokers, consumer groups and sometimes whole processes. They share two
/// cores with every other suite, and consumer-group joins on the embedded broker stretch from
/// seconds to tens of seconds when several of these run at once; one at a time they are quick
/// and their time limits mean something.
@Suite(.serialized) enum EndToEnd {}
