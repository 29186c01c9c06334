package io.nexusai.gateway.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.openai.ApiException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/** How upstream failures reach the client: statuses, types, codes, messages without internals. */
class UpstreamErrorsTest {
    final ObjectMapper mapper = new ObjectMapper();

    @Test
    void providerStatuses() {
        Buffer body = Buffer.buffer("{\"error\":{\"message\":\"bad thing\",\"type\":\"invalid_request_error\",\"param\":\"x\",\"code\":\"c\"}}");
        MultiMap retry = MultiMap.caseInsensitiveMultiMap().add("Retry-After", "7");
        ApiException bad = UpstreamErrors.from(mapper, "p", 400, body, MultiMap.caseInsensitiveMultiMap(), "/error/message");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.getMessage()).isEqualTo("bad thing");
        assertThat(bad.param()).isEqualTo("x");
        ApiException auth = UpstreamErrors.from(mapper, "p", 401, body, null, "/error/message");
        assertThat(auth.status()).isEqualTo(502);
        assertThat(auth.code()).isEqualTo("upstream_auth_failed");
        assertThat(auth.getMessage()).doesNotContain("bad thing");
        ApiException limited = UpstreamErrors.from(mapper, "p", 429, body, retry, "/error/message");
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.retryAfterSeconds()).isEqualTo(7L);
        assertThat(UpstreamErrors.from(mapper, "p", 503, Buffer.buffer("not json"), retry, "/error/message").code())
                .isEqualTo("upstream_unavailable");
        assertThat(UpstreamErrors.from(mapper, "p", 500, Buffer.buffer(), null, "/error/message").status()).isEqualTo(502);
        assertThat(UpstreamErrors.isProviderFailure(500)).isTrue();
        assertThat(UpstreamErrors.isProviderFailure(408)).isTrue();
        assertThat(UpstreamErrors.isProviderFailure(429)).isFalse();
        assertThat(UpstreamErrors.isProviderFailure(400)).isFalse();
    }

    @Test
    void connectionsAndTimeouts() {
        ApiException refused = UpstreamErrors.connectionFailure("p", new ConnectException("Connection refused: /10.0.0.1:443"));
        assertThat(refused.status()).isEqualTo(502);
        assertThat(refused.code()).isEqualTo("upstream_unreachable");
        assertThat(refused.getMessage()).contains("could not be reached").doesNotContain("10.0.0.1");
        assertThat(UpstreamErrors.connectionFailure("p", new IOException("reset")).getMessage()).contains("closed the connection");
        assertThat(UpstreamErrors.connectionFailure("p", new TimeoutException()).status()).isEqualTo(504);
        assertThat(UpstreamErrors.idleTimeout("p", 300).code()).isEqualTo("upstream_timeout");
        assertThat(UpstreamErrors.totalTimeout("alias", 400, 2).code()).isEqualTo("timeout");
        assertThat(UpstreamErrors.streamTotalTimeout(400).status()).isEqualTo(504);
    }

    @Test
    void exhaustedFailover() {
        ApiException last = UpstreamErrors.from(mapper, "p", 500, Buffer.buffer(), null, "/error/message");
        assertThat(UpstreamErrors.exhausted("a", 1, last, false)).isSameAs(last);
        ApiException several = UpstreamErrors.exhausted("a", 3, last, false);
        assertThat(several.status()).isEqualTo(503);
        assertThat(several.code()).isEqualTo("all_deployments_failed");
        assertThat(several.getMessage()).contains("3 attempts");
        assertThat(UpstreamErrors.exhausted("a", 0, null, true).code()).isEqualTo("deployment_rate_limited");
        assertThat(UpstreamErrors.exhausted("a", 0, null, false).status()).isEqualTo(503);
        ApiException limited = UpstreamErrors.from(mapper, "p", 429, Buffer.buffer(), null, "/error/message");
        assertThat(UpstreamErrors.exhausted("a", 2, limited, false)).isSameAs(limited);
    }
}
