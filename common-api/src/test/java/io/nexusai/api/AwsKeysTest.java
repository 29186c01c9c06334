package io.nexusai.api;

import io.nexusai.api.crypto.AwsKeys;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AwsKeysTest {

    @Test
    void encodesAndDecodesWithAndWithoutASessionToken() {
        AwsKeys permanent = new AwsKeys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", null);
        assertThat(permanent.encode()).isEqualTo("aws4:AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assertThat(AwsKeys.decode(permanent.encode())).isEqualTo(permanent);
        AwsKeys temporary = new AwsKeys("ASIAIOSFODNN7EXAMPLE", "secret+/=", "IQoJb3JpZ2luX2VjEJr//////////wEaCXVz+token==");
        assertThat(AwsKeys.decode(temporary.encode())).isEqualTo(temporary);
        assertThat(new AwsKeys("AKIAIOSFODNN7EXAMPLE", "s", "").sessionToken()).isNull();
        assertThat(AwsKeys.isEncoded(temporary.encode())).isTrue();
        assertThat(AwsKeys.isEncoded("sk-an-api-key")).isFalse();
    }

    @Test
    void showsOnlyTheMaskedKeyId() {
        AwsKeys keys = new AwsKeys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG", "FwoGZXIvYXdz");
        assertThat(keys.hint()).isEqualTo("...MPLE");
        assertThat(keys.toString()).doesNotContain("wJalrXUtnFEMI").doesNotContain("FwoGZXIvYXdz").doesNotContain("AKIAIOSFODNN7");
    }

    @Test
    void refusesWhatCannotBeCredentials() {
        assertThatThrownBy(() -> new AwsKeys("short", "s", null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AwsKeys("AKIAIOSFODNN7EXAMPLE", "with space", null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AwsKeys("AKIAIOSFODNN7EXAMPLE", "with:colon", null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AwsKeys("AKIAIOSFODNN7EXAMPLE", "s", "tok en")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AwsKeys.decode("sk-an-api-key")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AwsKeys.decode("aws4:AKIAIOSFODNN7EXAMPLE")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AwsKeys.decode("aws4:AKIAIOSFODNN7EXAMPLE:s:t:extra")).isInstanceOf(IllegalArgumentException.class);
    }
}
