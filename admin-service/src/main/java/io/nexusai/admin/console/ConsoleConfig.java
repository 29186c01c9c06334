package io.nexusai.admin.console;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** The admin console's settings ({@code nexus.console.*}). */
@ConfigMapping(prefix = "nexus.console")
public interface ConsoleConfig {

    /** A console session left unused this long ends (NEXUS_CONSOLE_IDLE_TIMEOUT). */
    @WithDefault("30m")
    Duration idleTimeout();

    /** A console session ends this long after sign-in, used or not (NEXUS_CONSOLE_MAX_AGE). */
    @WithDefault("12h")
    Duration maxAge();
}
