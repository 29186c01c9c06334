package io.nexusai.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus's {@code promtool}, found (or installed from Debian's prometheus package) by
 * deploy/prometheus/find-prometheus, run as a process from the deploy/ directory.
 */
final class Promtool {

    /** deploy/ of the checkout (the build passes it). */
    static final Path DEPLOY = Path.of(System.getProperty("nexusai.deploy.dir", "../deploy")).toAbsolutePath().normalize();
    static final Path PROMETHEUS = DEPLOY.resolve("prometheus");

    private static String binary;

    /** What a run printed (stdout and stderr interleaved) and how it exited. */
    record Result(List<String> command, int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }

        /** For assertion messages: the command, its exit code and everything it printed. */
        String describe() {
            return String.join(" ", command) + " exited with " + exitCode + ":\n" + output;
        }
    }

    private Promtool() {
    }

    /** The promtool binary; throws with the script's explanation when there is none and none can be installed. */
    static synchronized String binary() {
        if (binary == null) {
            Result found = exec(List.of("bash", PROMETHEUS.resolve("find-prometheus").toString(), "promtool"), false);
            if (!found.ok()) {
                throw new IllegalStateException("no promtool: " + found.describe());
            }
            String[] lines = found.output().strip().split("\n");
            binary = lines[lines.length - 1].strip();
        }
        return binary;
    }

    /** {@code promtool <args>} in deploy/prometheus/. */
    static Result run(String... args) {
        List<String> command = new ArrayList<>();
        command.add(binary());
        command.addAll(List.of(args));
        return exec(command, true);
    }

    private static Result exec(List<String> command, boolean mergeStderr) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(PROMETHEUS.toFile());
        if (mergeStderr) {
            builder.redirectErrorStream(true);
        } else {
            // the script's messages (apt-get's output when it installs) go to the build log
            builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        }
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(20, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish");
            }
            return new Result(command, process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
