package io.nexusai.gateway.pipeline.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.Stage;
import io.nexusai.gateway.provider.Translated;
import io.nexusai.gateway.upstream.Exchange;
import io.nexusai.gateway.upstream.Failover;
import io.nexusai.gateway.usage.UsageMeter;
import io.vertx.core.buffer.Buffer;

/**
 * Step 7, normalising the response: a whole provider answer becomes the client's OpenAI response (the alias as
 * {@code model}) through the translator of the provider that served it, and its usage goes to the request's
 * meter. Streams are normalised chunk by chunk by their relay ({@link io.nexusai.gateway.upstream.UpstreamStream}).
 */
public final class NormaliseStage implements Stage {
    private final ObjectMapper mapper;

    public NormaliseStage(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public void onResponse(ProxyContext ctx) {
        Failover call = ctx.get(Failover.class);
        Exchange answer = call == null || ctx.failure() != null ? null : call.answer();
        if (answer == null) {
            ctx.respond();
            return;
        }
        Translated out;
        Buffer body = Buffer.buffer(answer.body().length() + 64);
        try {
            out = answer.translator().response(answer.body());
            out.json().writeTo(body, mapper);
        } catch (ApiException e) {
            ctx.fail(e);
            return;
        }
        UsageMeter meter = ctx.get(UsageMeter.class);
        meter.started();
        meter.reported(out.usage());
        meter.delivered(out.json());
        ctx.responseHeaders().set("Content-Type", "application/json");
        ctx.response(200, body);
        ctx.respond();
    }
}
