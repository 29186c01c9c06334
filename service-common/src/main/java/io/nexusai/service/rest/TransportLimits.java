package io.nexusai.service.rest;

import io.nexusai.api.openai.ErrorEnvelope;
import io.nexusai.api.openai.ErrorType;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.Map;
import java.util.Optional;

/**
 * The HTTP limits of a REST service ({@code quarkus.http.limits.max-body-size}, {@code max-initial-line-length},
 * {@code max-header-size}), answered with OpenAI's error envelope like every other refusal: 413 for a body over
 * the limit (announced by {@code Content-Length} or found while reading a chunked one), 414 for a request line over
 * the limit, 431 for headers over the limit.
 *
 * <p>How, since these requests never reach JAX-RS:
 * <ul>
 * <li>413: a route that runs before Quarkus' own body-size check (which ends such requests with an empty 413) and
 * before RESTEasy Reactive reads the body (which, for a chunked body, also answers an empty 413 and then fails the
 * request). A body without {@code Content-Length} is read here, up to the limit, and handed to JAX-RS by
 * {@link BufferedBodyFilter}.</li>
 * <li>414 and 431: Vert.x's HTTP decoder refuses a line or headers over its limits before any route runs, through
 * {@code HttpServer#invalidRequestHandler}, whose default answer has no body; Quarkus creates the server and offers
 * no way to set that handler (only {@link HttpServerOptionsCustomizer}). So the decoder's limits are raised to
 * {@value #DECODER_FACTOR} times the configured ones (at least {@value #DECODER_MINIMUM} bytes) and the configured
 * limits are enforced by the route, with the envelope. Only requests beyond the raised limits still get the
 * decoder's bare 414/431 (and the connection closed).</li>
 * </ul>
 * Only in services that serve REST resources ({@link RestServer}); the gateway has its own limits.
 */
@Singleton
public class TransportLimits implements HttpServerOptionsCustomizer {
    /** Where a body read here (without {@code Content-Length}) waits for {@link BufferedBodyFilter}. */
    static final String BUFFERED_BODY = "nexus.buffered-body";
    static final int DECODER_FACTOR = 4;
    static final int DECODER_MINIMUM = 64 * 1024;
    /** Before Quarkus' own body-size route ({@code RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT}, -2). */
    static final int ROUTE_ORDER = -3;

    private final long maxBody;
    /** The configured limits, as Quarkus set them on the server options; 0 until the server is configured. */
    private volatile int maxInitialLine;
    private volatile int maxHeaders;

    public TransportLimits(@ConfigProperty(name = "quarkus.http.limits.max-body-size") Optional<MemorySize> maxBody) {
        this.maxBody = maxBody.map(MemorySize::asLongValue).orElse(-1L);
    }

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        if (RestServer.PRESENT) {
            takeOverDecoderLimits(options);
        }
    }

    @Override
    public void customizeHttpsServer(HttpServerOptions options) {
        customizeHttpServer(options);
    }

    private void takeOverDecoderLimits(HttpServerOptions options) {
        maxInitialLine = options.getMaxInitialLineLength();
        maxHeaders = options.getMaxHeaderSize();
        options.setMaxInitialLineLength(raised(maxInitialLine));
        options.setMaxHeaderSize(raised(maxHeaders));
    }

    private static int raised(int limit) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max((long) limit * DECODER_FACTOR, DECODER_MINIMUM));
    }

    void install(@Observes Router router) {
        if (RestServer.PRESENT) {
            router.route().order(ROUTE_ORDER).handler(this::check);
        }
    }

    private void check(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (request.version() != HttpVersion.HTTP_2) {
            if (maxInitialLine > 0 && requestLineLength(request) > maxInitialLine) {
                refuse(ctx, 414, "The request URL is too long.", "url_too_long");
                return;
            }
            if (maxHeaders > 0 && headersSize(request) > maxHeaders) {
                refuse(ctx, 431, "The request headers are too large.", "headers_too_large");
                return;
            }
        }
        if (maxBody < 0 || request.isEnded()) {
            ctx.next();
            return;
        }
        String contentLength = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (contentLength != null) {
            if (declaredLength(contentLength) > maxBody) {
                refuse(ctx, 413, "The request body is too large.", "request_too_large");
            } else {
                ctx.next(); // read by JAX-RS as usual, within the limit
            }
            return;
        }
        boolean bodiless = switch (request.method().name()) {
            case "GET", "HEAD", "DELETE", "OPTIONS", "TRACE" -> true;
            default -> false;
        };
        if (!bodiless && (request.version() == HttpVersion.HTTP_2 || request.headers().contains(HttpHeaders.TRANSFER_ENCODING))) {
            readWithinLimit(ctx);
        } else {
            ctx.next(); // no body (a body sent with GET and the like is left to the server's own limit)
        }
    }

    /** A body of unannounced length: read here, refused as soon as it passes the limit. */
    private void readWithinLimit(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        Buffer body = Buffer.buffer();
        boolean[] refused = {false};
        try {
            request.handler(chunk -> {
            if (refused[0]) {
                return;
            }
            if (body.length() + (long) chunk.length() > maxBody) {
                refused[0] = true;
                refuse(ctx, 413, "The request body is too large.", "request_too_large");
            } else {
                body.appendBuffer(chunk);
            }
            });
        } catch (IllegalStateException alreadyRead) {
            ctx.next(); // the server read it already (an HTTP/2 request that came with its body): nothing left to limit here
            return;
        }
        request.exceptionHandler(failure -> {
            if (!refused[0]) {
                refused[0] = true;
                refuse(ctx, 400, "The request body could not be read.", null);
            }
        });
        request.endHandler(v -> {
            if (!refused[0]) {
                ctx.put(BUFFERED_BODY, body);
                ctx.next();
            }
        });
        request.resume();
    }

    private static long declaredLength(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE; // the HTTP decoder refuses these before us; never let one through unchecked
        }
    }

    /** The request line as the HTTP decoder counts it: {@code METHOD SP URI SP HTTP/1.1}. */
    private static long requestLineLength(HttpServerRequest request) {
        return request.method().name().length() + 1L + request.uri().length() + 1L + "HTTP/1.1".length();
    }

    /** The header lines as the HTTP decoder counts them: {@code name: value} each. */
    private static long headersSize(HttpServerRequest request) {
        long size = 0;
        for (Map.Entry<String, String> header : request.headers()) {
            size += header.getKey().length() + 2L + header.getValue().length();
        }
        return size;
    }

    private static void refuse(RoutingContext ctx, int status, String message, String code) {
        HttpServerResponse response = ctx.response();
        if (response.ended() || response.headWritten()) {
            return;
        }
        response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        response.end(ErrorEnvelope.of(ErrorType.INVALID_REQUEST, message, null, code).toJson());
        // the rest of the body is read and dropped: closing now would reset the connection under a client still
        // sending it, and it would never see this answer
        LingeringClose.discardRest(ctx.vertx(), ctx.request());
    }
}
