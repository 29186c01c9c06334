package io.nexusai.gateway.pipeline;

/**
 * One step of the request pipeline. Stages implement only the hooks they need; the defaults pass control on.
 * A stage either calls {@link ProxyContext#proceed()} / {@link ProxyContext#respond()} (now or later, after
 * asynchronous work) or {@link ProxyContext#fail(Throwable)}; it never writes to the client itself.
 */
public interface Stage {

    /** The request travels forward through the stages. Default: continue with the next stage. */
    default void onRequest(ProxyContext ctx) {
        ctx.proceed();
    }

    /** The response (or failure) travels back through the stages that handled the request. Default: pass it back. */
    default void onResponse(ProxyContext ctx) {
        ctx.respond();
    }

    /**
     * Right before the response's last write (the end of a whole response, the final event of a stream: {@code [DONE]}
     * or an error event): outcome and usage are final, and the client cannot have the response complete yet. Not
     * called for a response that ends without a last write (the client left). Must not fail.
     */
    default void beforeLastByte(ProxyContext ctx) {
    }

    /** After the response has been sent, or the client has gone. Usage is final here. Must not fail. */
    default void onComplete(ProxyContext ctx) {
    }
}
