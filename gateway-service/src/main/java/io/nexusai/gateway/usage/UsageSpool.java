package io.nexusai.gateway.usage;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Usage events on disk while Redis is unreachable: JSON lines in files {@code usage-<owner>-<seq>.jsonl} under a
 * directory. A file is written by one process only; files left by a process that died are taken over (under a
 * file lock) and replayed like this process's own. Blocking I/O: call from a worker thread. Bounded: past
 * {@code maxBytes} nothing more is accepted and the caller counts the loss.
 */
final class UsageSpool {
    private final Path dir;
    private final String owner;
    private final long maxBytes;
    private int sequence;
    private Path current;
    private BufferedWriter writer;

    UsageSpool(Path dir, String owner, long maxBytes) {
        this.dir = dir;
        this.owner = owner;
        this.maxBytes = maxBytes;
    }

    /** Appends events; returns how many were written (fewer than given only when the spool is full). */
    int append(List<String> events) {
        try {
            if (writer == null) {
                Files.createDirectories(dir);
                current = dir.resolve("usage-" + owner + "-" + (++sequence) + ".jsonl");
                writer = Files.newBufferedWriter(current, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            long size = sizeOnDisk();
            int written = 0;
            for (String e : events) {
                if (size + e.length() + 1 > maxBytes) {
                    break;
                }
                writer.write(e);
                writer.write('\n');
                size += e.length() + 1;
                written++;
            }
            writer.flush();
            return written;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the usage spool in " + dir, e);
        }
    }

    /** Closes the file being written, so that it can be replayed. */
    void seal() {
        if (writer != null) {
            try {
                writer.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                writer = null;
                current = null;
            }
        }
    }

    /** Sealed files this process may replay: its own and those of dead processes (which it locks first). */
    List<Path> replayable() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> out = new ArrayList<>();
            for (Path f : files.filter(p -> p.getFileName().toString().matches("usage-.+\\.jsonl")).sorted().toList()) {
                if (f.equals(current)) {
                    continue;
                }
                if (f.getFileName().toString().startsWith("usage-" + owner + "-") || claimable(f)) {
                    out.add(f);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether no live process holds the file (its writer's lock file is gone or unlocked). */
    private boolean claimable(Path file) {
        String name = file.getFileName().toString();
        String fileOwner = name.substring("usage-".length(), name.lastIndexOf('-'));
        Path lock = dir.resolve("owner-" + fileOwner + ".lock");
        if (!Files.exists(lock)) {
            return true;
        }
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE); FileLock l = ch.tryLock()) {
            return l != null;
        } catch (IOException | java.nio.channels.OverlappingFileLockException e) {
            return false;
        }
    }

    /** Holds a lock file for this process for as long as it lives, so others know its spool files are in use. */
    FileLock lockOwner() {
        try {
            Files.createDirectories(dir);
            FileChannel ch = FileChannel.open(dir.resolve("owner-" + owner + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            return ch.tryLock();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> read(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private long sizeOnDisk() throws IOException {
        long total = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".jsonl")).toList()) {
                total += Files.size(f);
            }
        }
        return total;
    }
}
