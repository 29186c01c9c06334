package io.nexusai.api.pricing;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

class TokenPricesTest {
    private static BigDecimal d(String v) {
        return new BigDecimal(v);
    }

    @Test
    void openAiCachedTokensAreBilledAtTheCachedRateAndReasoningAtTheOutputRate() {
        // gpt-4o: 2.50 input, 1.25 cached input, 10.00 output. 1000 prompt tokens of which 600 cached, 300
        // completion tokens (reasoning among them: nothing extra)
        TokenPrices gpt4o = new TokenPrices(d("2.50"), d("1.25"), null, d("10.00"));
        BigDecimal sum = gpt4o.perMillionSum(1000, 600, 0, 300);
        // 400 × 2.50 + 600 × 1.25 + 300 × 10 = 1000 + 750 + 3000
        assertThat(sum).isEqualByComparingTo("4750");
    }

    @Test
    void anthropicCacheReadsAndWritesHaveTheirOwnRates() {
        // claude sonnet: 3 input, 0.30 cache read, 3.75 cache write, 15 output; input_tokens 100, cache read 2000,
        // cache creation 500 → prompt 2600
        TokenPrices sonnet = new TokenPrices(d("3"), d("0.30"), d("3.75"), d("15"));
        BigDecimal sum = sonnet.perMillionSum(2600, 2000, 500, 40);
        // 100 × 3 + 2000 × 0.30 + 500 × 3.75 + 40 × 15 = 300 + 600 + 1875 + 600
        assertThat(sum).isEqualByComparingTo("3375");
    }

    @Test
    void missingCacheRatesFallBackToTheInputRate() {
        TokenPrices plain = new TokenPrices(d("0.50"), null, null, d("1.50"));
        assertThat(plain.cachedInputPerMillion()).isEqualByComparingTo("0.50");
        assertThat(plain.cacheWritePerMillion()).isEqualByComparingTo("0.50");
        assertThat(plain.perMillionSum(1000, 700, 200, 10)).isEqualByComparingTo(plain.perMillionSum(1000, 0, 0, 10));
    }

    @Test
    void exactDecimalsWithoutRounding() {
        TokenPrices p = new TokenPrices(d("0.1234567891"), d("0.0123456789"), d("0.1543209863"), d("0.9876543219"));
        BigDecimal sum = p.perMillionSum(7, 3, 2, 5);
        BigDecimal expected = d("0.1234567891").multiply(d("2")).add(d("0.0123456789").multiply(d("3")))
                .add(d("0.1543209863").multiply(d("2"))).add(d("0.9876543219").multiply(d("5")));
        assertThat(sum).isEqualTo(expected);
    }

    @Test
    void inconsistentCacheCountsNeverBillBelowZero() {
        TokenPrices p = new TokenPrices(d("2"), d("1"), d("3"), d("4"));
        // more cached than prompt: the whole prompt at the cached rate
        assertThat(p.perMillionSum(10, 50, 0, 0)).isEqualByComparingTo("10");
        // reads and writes beyond the prompt: reads first, then writes up to the prompt
        assertThat(p.perMillionSum(10, 6, 9, 0)).isEqualByComparingTo("18"); // 6 × 1 + 4 × 3
    }

    @Test
    void reservationsChargeTheHighestInputRate() {
        assertThat(new TokenPrices(d("3"), d("0.30"), d("3.75"), d("15")).maxInputPerMillion()).isEqualByComparingTo("3.75");
        assertThat(new TokenPrices(d("2.50"), d("1.25"), null, d("10")).maxInputPerMillion()).isEqualByComparingTo("2.50");
    }
}
