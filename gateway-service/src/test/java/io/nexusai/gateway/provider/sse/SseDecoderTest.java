package io.nexusai.gateway.provider.sse;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SseDecoderTest {

    /** Decodes {@code text} whole, then cut at every single position, then byte by byte: all must agree. */
    private static List<SseEvent> decodeEveryWay(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        List<SseEvent> whole = decode(bytes, new int[0]);
        for (int p = 0; p <= bytes.length; p++) {
            assertThat(decode(bytes, new int[]{p})).as("cut at %d", p).isEqualTo(whole);
        }
        int[] every = new int[Math.max(0, bytes.length - 1)];
        Arrays.setAll(every, i -> i + 1);
        assertThat(decode(bytes, every)).as("byte by byte").isEqualTo(whole);
        return whole;
    }

    private static List<SseEvent> decode(byte[] bytes, int[] cuts) {
        SseDecoder decoder = new SseDecoder();
        List<SseEvent> events = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int end = i < cuts.length ? cuts[i] : bytes.length;
            events.addAll(decoder.feed(Buffer.buffer(Arrays.copyOfRange(bytes, start, end))));
            start = end;
        }
        events.addAll(decoder.finish());
        return events;
    }

    @Test
    void lfCrlfAndCrLineEndingsGiveTheSameEvents() {
        List<SseEvent> expected = List.of(new SseEvent("message_start", "{\"a\":1}"), new SseEvent(null, "two"));
        assertThat(decodeEveryWay("event: message_start\ndata: {\"a\":1}\n\ndata: two\n\n")).isEqualTo(expected);
        assertThat(decodeEveryWay("event: message_start\r\ndata: {\"a\":1}\r\n\r\ndata: two\r\n\r\n")).isEqualTo(expected);
        assertThat(decodeEveryWay("event: message_start\rdata: {\"a\":1}\r\rdata: two\r\r")).isEqualTo(expected);
    }

    @Test
    void aCrlfCutBetweenCrAndLfIsOneLineEnd() {
        SseDecoder decoder = new SseDecoder();
        assertThat(decoder.feed(Buffer.buffer("data: x\r"))).isEmpty();
        assertThat(decoder.feed(Buffer.buffer("\n\r"))).containsExactly(new SseEvent(null, "x"));
        assertThat(decoder.feed(Buffer.buffer("\ndata: y\n\n"))).containsExactly(new SseEvent(null, "y"));
        assertThat(decoder.finish()).isEmpty();
    }

    @Test
    void commentsAndIgnoredFieldsProduceNoEvents() {
        assertThat(decodeEveryWay(": keep-alive\n\n:another comment\n\nid: 7\nretry: 3000\ndata: kept\n\n: OPENROUTER PROCESSING\n\n"))
                .containsExactly(new SseEvent(null, "kept"));
    }

    @Test
    void multiLineDataIsJoinedWithNewlines() {
        assertThat(decodeEveryWay("event: multi\ndata: first\ndata:second\ndata\ndata:  indented\n\n"))
                .containsExactly(new SseEvent("multi", "first\nsecond\n\n indented"));
    }

    @Test
    void anEventWithoutItsFinalBlankLineIsDispatchedAtFinish() {
        assertThat(decodeEveryWay("data: one\n\nevent: last\ndata: two\n"))
                .containsExactly(new SseEvent(null, "one"), new SseEvent("last", "two"));
        assertThat(decodeEveryWay("data: one\n\ndata: unterminated line"))
                .containsExactly(new SseEvent(null, "one"), new SseEvent(null, "unterminated line"));
        SseDecoder decoder = new SseDecoder();
        assertThat(decoder.feed(Buffer.buffer("data: x"))).isEmpty();
        assertThat(decoder.finish()).containsExactly(new SseEvent(null, "x"));
        assertThat(decoder.finish()).isEmpty();
    }

    @Test
    void multiByteCharactersSurviveAnyCut() {
        assertThat(decodeEveryWay("data: {\"t\":\"Grüß — 日本語 🎉\"}\n\n"))
                .containsExactly(new SseEvent(null, "{\"t\":\"Grüß — 日本語 🎉\"}"));
    }

    @Test
    void anEventFieldAloneIsAnEventWithEmptyData() {
        assertThat(decodeEveryWay("event: ping\n\n")).containsExactly(new SseEvent("ping", ""));
    }
}
