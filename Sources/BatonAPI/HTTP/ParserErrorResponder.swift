import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers a request the HTTP parser refuses with problem+json, like every other error.
///
/// Hummingbird answers such a request itself with an empty 400 (a header over the parser's
/// 80 KiB limit, a broken request line), before any route or middleware runs. This handler sits
/// right after the parser and answers first: 431 `header-fields-too-large` for oversized headers,
/// 400 `malformed-request` for the rest, then closes the connection (the parser cannot resume).
final class ParserErrorResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard !answered else { return }
        answered = true
        let problem: Problem
        switch parserError {
        case .headerOverflow:
            problem = Problem(.headerFieldsTooLarge, "The request's header fields are larger than the server accepts (80 KiB in all); send a shorter header.")
        default:
            problem = Problem(.malformedRequest, "The request is not valid HTTP/1.1 (\(parserError)).")
        }
        let body = problem.document(instance: "").serializedBytes()
        var fields = HTTPFields()
        fields[.contentType] = "application/problem+json"
        fields[.contentLength] = String(body.count)
        fields[.connection] = "close"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: problem.type.status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
