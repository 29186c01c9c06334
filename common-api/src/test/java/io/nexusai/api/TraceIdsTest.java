package io.nexusai.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TraceIdsTest {

    @Test
    void onlyW3cTraceIdsAreKept() {
        assertThat(TraceIds.sanitize("4bf92f3577b34da6a3ce929d0e0e4736")).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(TraceIds.sanitize("0".repeat(32))).isNull();
        assertThat(TraceIds.sanitize("4BF92F3577B34DA6A3CE929D0E0E4736")).isNull();
        assertThat(TraceIds.sanitize("4bf92f3577b34da6a3ce929d0e0e473")).isNull();
        assertThat(TraceIds.sanitize("4bf92f3577b34da6a3ce929d0e0e47367")).isNull();
        assertThat(TraceIds.sanitize("4bf92f3577b34da6a3ce929d0e0e47g")).isNull();
        assertThat(TraceIds.sanitize(null)).isNull();
    }
}
