package io.nexusai.mock;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TokenCounterTest {
    @Test
    void piecesNeverBreakMultiByteCharacters() {
        String text = "Emoji 🧑‍🚀🦄👋🏽, CJK 饕餮 龘, accents ąęłżź";
        List<String> pieces = TokenCounter.pieces(text);
        assertThat(String.join("", pieces)).isEqualTo(text);
        assertThat(pieces).allSatisfy(piece -> assertThat(piece).isNotEmpty().doesNotContain("\uFFFD"));
        assertThat(pieces.size()).isLessThan(TokenCounter.count(text));
    }

    @Test
    void truncateKeepsWholeCharacters() {
        String text = "🦄🦄🦄🦄";
        for (int max = 1; max <= TokenCounter.count(text); max++) {
            String cut = TokenCounter.truncate(text, max);
            assertThat(text).startsWith(cut);
            assertThat(cut).doesNotContain("\uFFFD");
            assertThat(TokenCounter.count(cut)).isLessThanOrEqualTo(max);
        }
        assertThat(TokenCounter.truncate("plain words here", 2)).isEqualTo(String.join("", TokenCounter.pieces("plain words here").subList(0, 2)));
        assertThat(TokenCounter.truncate(text, 1000)).isEqualTo(text);
    }
}
