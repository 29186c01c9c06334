package io.nexusai.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The headless browser of the console's browser tests: Debian's {@code chromium} and {@code chromium-driver}. A machine
 * without them gets them here, from the distribution's packages, when the tests run as root (as on our machines and in
 * CI: {@code ./mvnw verify} on a fresh machine needs nothing installed by hand); otherwise the tests stop with the
 * command to run. Nothing is downloaded from anywhere else: the tests point Selenium at these two binaries.
 */
public final class Chromium {
    /** The browser binary. */
    public static final Path BROWSER = Path.of("/usr/bin/chromium");
    /** The WebDriver server of the same version. */
    public static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    private static final List<String> PACKAGES = List.of("chromium", "chromium-driver");

    private Chromium() {
    }

    /** Installs the browser and its driver when either is missing (as root), and fails with what to do otherwise. */
    public static synchronized void ensureInstalled() {
        if (installed()) {
            return;
        }
        if (!isRoot()) {
            throw new IllegalStateException("The console's browser tests need " + BROWSER + " and " + DRIVER
                    + ": run sudo apt-get install -y " + String.join(" ", PACKAGES));
        }
        run(List.of("apt-get", "update"));
        run(concat(List.of("apt-get", "install", "-y"), PACKAGES));
        if (!installed()) {
            throw new IllegalStateException("apt-get installed " + PACKAGES + " but " + BROWSER + " or " + DRIVER + " is still missing");
        }
    }

    /**
     * Command-line flags for a headless Chromium that works as root in a container and reaches nothing but the pages
     * a test opens (no sync, component updates, QUIC or background requests), with its own fresh profile.
     */
    public static List<String> flags(Path userDataDir) {
        return List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,1000",
                "--user-data-dir=" + userDataDir.toAbsolutePath());
    }

    private static boolean installed() {
        return Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER);
    }

    private static boolean isRoot() {
        try {
            Process p = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
            String uid = new String(p.getInputStream().readAllBytes()).strip();
            return p.waitFor() == 0 && "0".equals(uid);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void run(List<String> command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process p = pb.start();
            if (!p.waitFor(15, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within 15 minutes");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed with exit code " + p.exitValue());
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
