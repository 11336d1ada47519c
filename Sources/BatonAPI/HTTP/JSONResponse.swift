import BatonExpressions
import Hummingbird

extension Response {
    /// A JSON response serialised with `JSONValue`'s own writer (sorted keys, so bodies are
    /// byte-for-byte stable and easy to diff), not Foundation's encoder.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.serializedBytes())))
    }
}
