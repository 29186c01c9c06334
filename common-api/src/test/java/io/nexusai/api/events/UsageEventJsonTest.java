package io.nexusai.api.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

/** The usage stream's JSON: the cache and reasoning counts travel, and events of older gateways read as 0. */
class UsageEventJsonTest {
    static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void cacheAndReasoningCountsRoundTrip() throws Exception {
        UsageEvent e = new UsageEvent("req_1", null, 1L, "t", "k", "chat.completions", "a", 1, "p", 2, "gpt-4o", true, 200,
                2000, 700, false, 12, BigDecimal.ONE, null, 1536, 64, 512);
        String json = MAPPER.writeValueAsString(e);
        assertThat(json).contains("\"cached_tokens\":1536", "\"cache_write_tokens\":64", "\"reasoning_tokens\":512");
        assertThat(MAPPER.readValue(json, UsageEvent.class)).isEqualTo(e);
    }

    @Test
    void anEventWithoutThemReadsAsZero() throws Exception {
        UsageEvent old = new UsageEvent("req_2", null, 1L, "t", "k", "chat.completions", "a", 1, "p", 2, "gpt-4o", false, 200,
                10, 5, false, 3, BigDecimal.ONE, null);
        String json = MAPPER.writeValueAsString(old).replaceAll(",\"(cached_tokens|cache_write_tokens|reasoning_tokens)\":0", "");
        assertThat(json).doesNotContain("cached_tokens").doesNotContain("reasoning_tokens");
        UsageEvent read = MAPPER.readValue(json, UsageEvent.class);
        assertThat(read).isEqualTo(old);
        assertThat(read.cachedTokens()).isZero();
        assertThat(read.cacheWriteTokens()).isZero();
        assertThat(read.reasoningTokens()).isZero();
    }
}
