package io.nexusai.e2e;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs after the others: no service ever wrote a secret (keys, provider keys, platform secrets) to its log. */
@Order(100)
class LogHygieneIT {

    @Test
    void noSecretInAnyLogLine() {
        E2eStack stack = E2eStack.get();
        String logs = stack.allLogs();
        assertThat(logs).isNotEmpty();
        for (String secret : stack.secrets()) {
            assertThat(logs).doesNotContain(secret);
        }
        // masked hints (nx-app-...abcd) are fine; a whole key never is
        assertThat(java.util.regex.Pattern.compile("nx-(app|adm)-[A-Za-z0-9]{40}").matcher(logs).find()).isFalse();
    }
}
