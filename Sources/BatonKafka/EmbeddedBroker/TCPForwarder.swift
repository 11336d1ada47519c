#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging

/// Forwards TCP connections from a fixed loopback port to the embedded broker, so developers
/// and other processes have a stable bootstrap address (the mock cluster only listens on
/// ephemeral ports).
///
/// Only the bootstrap connection goes through here: the mock advertises its own ephemeral
/// `127.0.0.1` addresses in Metadata, and clients connect to those directly afterwards. On
/// loopback that is harmless; it is also why this forwarder stays deliberately simple — plain
/// blocking POSIX sockets, one accept thread and one `poll()` thread per connection.
final class TCPForwarder: Sendable {
    private let listener: SocketDescriptor
    /// Writing a byte wakes every `poll()` of this forwarder (the byte is never read).
    private let stopReader: SocketDescriptor
    private let stopWriter: SocketDescriptor
    private let acceptThread: DedicatedThread
    private let activeConnections: ConditionLock<Int>
    private let running = RunFlag()

    /// Listens on `127.0.0.1:port` and forwards to `127.0.0.1:targetPort`. Throws
    /// ``KafkaError/Code/systemError`` when the port cannot be bound (for example, busy).
    init(port: Int, targetPort: Int, logger: Logger) throws(KafkaError) {
        let context = "listening on 127.0.0.1:\(port)"
        let listener = try Self.listen(port: port, context: context)
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else {
            throw KafkaError(code: .systemError, message: "pipe: \(errnoDescription())", isRetriable: false, context: context)
        }
        for end in pipeEnds { Self.setCloseOnExec(end) }
        let stopReader = SocketDescriptor(pipeEnds[0])
        let activeConnections = ConditionLock(0)
        self.listener = listener
        self.stopReader = stopReader
        self.stopWriter = SocketDescriptor(pipeEnds[1])
        self.activeConnections = activeConnections
        self.acceptThread = DedicatedThread(name: "baton-fwd-accept") {
            Self.acceptLoop(
                listener: listener, stop: stopReader, targetPort: targetPort,
                activeConnections: activeConnections, logger: logger
            )
        }
    }

    deinit {
        stop()
    }

    /// Stops accepting, closes every forwarded connection and waits (briefly) for their threads.
    func stop() {
        guard running.stop() else { return }
        var byte: UInt8 = 1
        _ = write(stopWriter.raw, &byte, 1)
        acceptThread.join()
        _ = activeConnections.wait(timeout: .seconds(2)) { $0 == 0 ? true : nil }
    }

    private static func listen(port: Int, context: String) throws(KafkaError) -> SocketDescriptor {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            throw KafkaError(code: .systemError, message: "socket: \(errnoDescription())", isRetriable: false, context: context)
        }
        let socket = SocketDescriptor(fd)
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = loopback(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, Glibc.listen(fd, 64) == 0 else {
            throw KafkaError(code: .systemError, message: "bind/listen: \(errnoDescription())", isRetriable: false, context: context)
        }
        return socket
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(truncatingIfNeeded: port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    private static func connectUpstream(port: Int) -> SocketDescriptor? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        let socket = SocketDescriptor(fd)
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return connected == 0 ? socket : nil
    }

    private static func acceptLoop(
        listener: SocketDescriptor,
        stop: SocketDescriptor,
        targetPort: Int,
        activeConnections: ConditionLock<Int>,
        logger: Logger
    ) {
        var fds = [
            pollfd(fd: listener.raw, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stop.raw, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            let ready = poll(&fds, nfds_t(fds.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                logger.error("Embedded broker forwarder stopped", metadata: ["error": "\(errnoDescription())"])
                return
            }
            if fds[1].revents != 0 { return }
            guard fds[0].revents != 0 else { continue }
            let fd = accept(listener.raw, nil, nil)
            guard fd >= 0 else { continue }
            setCloseOnExec(fd)
            let client = SocketDescriptor(fd)
            guard let upstream = connectUpstream(port: targetPort) else {
                logger.warning(
                    "Embedded broker forwarder could not reach the broker",
                    metadata: ["port": "\(targetPort)", "error": "\(errnoDescription())"]
                )
                continue
            }
            activeConnections.withLock { $0 += 1 }
            // Not joined: the thread ends with its connection; `stop()` waits via the counter.
            _ = DedicatedThread(name: "baton-fwd-conn") {
                pump(client, upstream, stop: stop)
                activeConnections.withLock { $0 -= 1 }
            }
        }
    }

    /// Copies bytes both ways until both sides have finished sending. A side's end of stream is
    /// passed on as a half-close (`shutdown(SHUT_WR)`), so a client that closes after its last
    /// request still gets the reply; any error or a stop closes both sockets.
    private static func pump(_ client: SocketDescriptor, _ upstream: SocketDescriptor, stop: SocketDescriptor) {
        for socket in [client, upstream] { setNoDelay(socket.raw) }
        let ends = [client, upstream]
        var reading = [true, true]
        var fds = [
            pollfd(fd: client.raw, events: Int16(POLLIN), revents: 0),
            pollfd(fd: upstream.raw, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stop.raw, events: Int16(POLLIN), revents: 0),
        ]
        let capacity = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        while reading[0] || reading[1] {
            for side in 0..<2 { fds[side].fd = reading[side] ? ends[side].raw : -1 }
            let ready = poll(&fds, nfds_t(fds.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if fds[2].revents != 0 { return }
            for side in 0..<2 where reading[side] && fds[side].revents != 0 {
                let destination = ends[1 - side].raw
                let count = recv(ends[side].raw, buffer, capacity, 0)
                if count > 0 {
                    guard sendAll(destination, buffer, count) else { return }
                } else if count == 0 {
                    reading[side] = false
                    shutdown(destination, Int32(SHUT_WR))
                } else if errno != EINTR && errno != EAGAIN {
                    return
                }
            }
        }
    }

    private static func sendAll(_ fd: Int32, _ bytes: UnsafeMutableRawPointer, _ count: Int) -> Bool {
        var sent = 0
        while sent < count {
            // MSG_NOSIGNAL: a peer that went away must be an error here, not SIGPIPE for the process.
            let result = send(fd, bytes + sent, count - sent, Int32(MSG_NOSIGNAL))
            if result < 0 {
                if errno == EINTR { continue }
                return false
            }
            sent += result
        }
        return true
    }

    /// Child processes (kcat in tests, hooks in production) must not inherit forwarder sockets.
    /// (`pipe2` and `accept4`, which do this atomically, are not exported by Swift's Glibc module.)
    private static func setCloseOnExec(_ fd: Int32) {
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }

    /// Kafka requests are small and latency-bound; do not let Nagle hold them back.
    private static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }
}
