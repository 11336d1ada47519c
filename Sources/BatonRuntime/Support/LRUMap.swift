/// A map with a budget in bytes that evicts its least recently used entries to stay within it.
///
/// Each entry's weight is given by the caller (an estimate of what the value holds), so the
/// budget bounds memory however the values vary in size, which a bound on the count cannot.
/// Reads and writes are O(1): a doubly linked list over an array of slots keeps the recency
/// order, and freed slots are reused.
struct LRUMap<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Node: Sendable {
        var key: Key
        var value: Value
        var bytes: Int
        var newer: Int
        var older: Int
    }

    private static var none: Int { -1 }

    let capacityBytes: Int
    private(set) var bytes = 0
    private(set) var evictions = 0
    private var nodes: [Node?] = []
    private var freeSlots: [Int] = []
    private var slots: [Key: Int] = [:]
    /// The most and the least recently used slots.
    private var newest = LRUMap.none
    private var oldest = LRUMap.none

    init(capacityBytes: Int) {
        self.capacityBytes = max(0, capacityBytes)
    }

    var count: Int { slots.count }

    /// The value, marked as just used.
    mutating func get(_ key: Key) -> Value? {
        guard let slot = slots[key] else { return nil }
        unlink(slot)
        linkAsNewest(slot)
        return nodes[slot]!.value
    }

    /// The value, without changing the order.
    func peek(_ key: Key) -> Value? {
        slots[key].map { nodes[$0]!.value }
    }

    /// Stores `value` as the newest entry and evicts the oldest ones until the budget holds. A
    /// value heavier than the whole budget is not kept (and drops any older value of its key).
    mutating func put(_ key: Key, _ value: Value, bytes weight: Int) {
        remove(key)
        guard weight <= capacityBytes else { return }
        let node = Node(key: key, value: value, bytes: weight, newer: Self.none, older: Self.none)
        let slot: Int
        if let reused = freeSlots.popLast() {
            nodes[reused] = node
            slot = reused
        } else {
            nodes.append(node)
            slot = nodes.count - 1
        }
        slots[key] = slot
        bytes += weight
        linkAsNewest(slot)
        while bytes > capacityBytes, oldest != Self.none {
            remove(nodes[oldest]!.key)
            evictions += 1
        }
    }

    @discardableResult
    mutating func remove(_ key: Key) -> Value? {
        guard let slot = slots.removeValue(forKey: key) else { return nil }
        unlink(slot)
        let node = nodes[slot]!
        nodes[slot] = nil
        freeSlots.append(slot)
        bytes -= node.bytes
        return node.value
    }

    /// Keys from the newest to the oldest (tests).
    var keysByRecency: [Key] {
        var keys: [Key] = []
        var slot = newest
        while slot != Self.none {
            keys.append(nodes[slot]!.key)
            slot = nodes[slot]!.older
        }
        return keys
    }

    private mutating func unlink(_ slot: Int) {
        let node = nodes[slot]!
        if node.newer != Self.none { nodes[node.newer]!.older = node.older } else { newest = node.older }
        if node.older != Self.none { nodes[node.older]!.newer = node.newer } else { oldest = node.newer }
        nodes[slot]!.newer = Self.none
        nodes[slot]!.older = Self.none
    }

    private mutating func linkAsNewest(_ slot: Int) {
        nodes[slot]!.older = newest
        nodes[slot]!.newer = Self.none
        if newest != Self.none { nodes[newest]!.newer = slot }
        newest = slot
        if oldest == Self.none { oldest = slot }
    }
}
