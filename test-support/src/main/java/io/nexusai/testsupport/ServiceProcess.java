package io.nexusai.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A packaged service (Quarkus fast-jar or plain jar) run as a separate JVM, as the local stack and production
 * run it. Output goes to a log file; {@link #awaitReady(String, Duration)} polls an HTTP health URL.
 */
public final class ServiceProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String name;
    private final List<String> command;
    private final Map<String, String> env;
    private final Path log;
    private Process process;

    private ServiceProcess(String name, List<String> command, Map<String, String> env, Path log) {
        this.name = name;
        this.command = command;
        this.env = env;
        this.log = log;
    }

    /**
     * Prepares {@code java [jvmArgs] -jar jar}, with the JVM running this code, the environment of this
     * process plus {@code env}, output appended to {@code log}.
     */
    public static ServiceProcess java(String name, Path jar, List<String> jvmArgs, Map<String, String> env, Path log) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(jvmArgs);
        cmd.add("-jar");
        cmd.add(jar.toAbsolutePath().toString());
        return new ServiceProcess(name, cmd, env, log);
    }

    public ServiceProcess start() {
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().putAll(env);
            process = pb.start();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /**
     * Waits until {@code healthUrl} answers 200, failing early if the process dies. The failure says what the health
     * endpoint last answered (which check was down) and ends with the log's last lines, so that a CI run shows why
     * even when the log file is gone by the time anyone looks.
     */
    public ServiceProcess awaitReady(String healthUrl, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log + logTail());
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(healthUrl)).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return this;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = "not listening: " + e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(200);
        }
        throw new IllegalStateException(name + " not ready at " + healthUrl + " after " + timeout + " (last answer: " + last
                + "); see " + log + logTail());
    }

    /** The log's last lines, for a failure message. */
    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return "\n--- last lines of " + log.getFileName() + ":\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }

    /** Waits for the process to exit by itself and returns its exit code; fails if it is still running after the timeout. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(name + " still runs after " + timeout + "; see " + log);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    /** SIGTERM, then SIGKILL after 10 s. */
    public void stop() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGSTOP: the process is frozen where it is (its sockets stay open) until {@link #resume()} or a kill. */
    public void pause() {
        signalSelf("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() {
        signalSelf("CONT");
    }

    private void signalSelf(String signal) {
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException(name + " is not running; see " + log);
        }
        if (!signal(signal, List.of(process.pid()))) {
            throw new IllegalStateException("kill -" + signal + " " + process.pid() + " (" + name + ") failed");
        }
    }

    /**
     * Sends a signal ({@code STOP}, {@code CONT}, ...) to processes with {@code kill}, which Java has no API for;
     * returns whether every one of them got it ({@code false} when one had exited meanwhile: the others still got it).
     */
    public static boolean signal(String signal, Collection<Long> pids) {
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        pids.forEach(p -> command.add(Long.toString(p)));
        try {
            Process kill = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                kill.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not end within 10 s");
            }
            return kill.exitValue() == 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGKILL: the process gets no chance to clean up, as in a crash. */
    public void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
