import Hummingbird

extension Request {
    /// The whole body, refused with 413 once it exceeds `limit` bytes.
    ///
    /// A declared `Content-Length` over the limit is refused before a byte is read; a chunked body
    /// is counted as it arrives, so a client cannot make the server buffer more than `limit`.
    func readBody(limit: Int) async throws -> [UInt8] {
        if let declared = headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw Problem.tooLarge(limit: limit)
        }
        var bytes: [UInt8] = []
        for try await chunk in body {
            guard bytes.count + chunk.readableBytes <= limit else { throw Problem.tooLarge(limit: limit) }
            bytes.append(contentsOf: chunk.readableBytesView)
        }
        return bytes
    }
}

extension Problem {
    static func tooLarge(limit: Int) -> Problem {
        Problem(.contentTooLarge, "The request body is larger than the limit of \(limit) bytes.")
    }
}
