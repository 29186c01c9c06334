package io.nexusai.gateway.usage;

import io.netty.util.concurrent.FastThreadLocal;
import org.jboss.logging.Logger;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The usage journal: every usage event is appended here by the thread that finishes its request, before the
 * response's last byte goes out, and stays until Redis has acknowledged it. It is the only way usage goes to
 * Redis (the shipper in {@link UsageEmitter} reads it), so one mechanism covers a Redis outage (the unacknowledged
 * part grows) and a killed gateway (the next process to use the directory ships what its predecessor left).
 *
 * <p>Files, in one directory that replicas may share:
 * <ul>
 *   <li>{@code owner.<owner>.lock}: locked ({@link FileLock}) by the live process {@code <owner>} (host, pid and
 *       start time) for as long as it runs;</li>
 *   <li>{@code usage.<owner>.<writer>.<seq>.journal}: a segment, appended by one thread ({@code writer}) of one
 *       process. Records are lines {@code <CRC-32C of the payload, 8 hex digits> <payload>\n}, the payload being the
 *       event's JSON, then a tab and its settlement line when it has one; a line cut short (process killed in the
 *       middle of a write) or whose checksum does not match is skipped when read;</li>
 *   <li>{@code usage.<owner>.<writer>.<seq>.ack}: how many bytes of that segment Redis has acknowledged;</li>
 *   <li>{@code usage-<owner>-<n>.jsonl} with {@code owner-<owner>.lock}: the spool of earlier versions (JSON lines,
 *       no checksums), shipped and deleted like a dead owner's segments.</li>
 * </ul>
 * A segment is written whole records at a time with one {@code write} into the page cache (no fsync: it survives
 * the process, not the machine), rotated at {@code segmentBytes} and deleted once Redis has acknowledged all of
 * it. Segments of an owner whose lock nobody holds (a dead process) are claimed by taking its lock, which the
 * claimer keeps until it has shipped them: two replicas never ship the same dead owner's journal.
 *
 * <p>Threads: {@link #append} is called by many threads, each on a segment of its own (no lock, no shared
 * counter but a {@link LongAdder}); everything else ({@link #scan}, {@link #next}, {@link #acknowledge},
 * {@link #close}) belongs to one shipping thread.
 */
final class UsageJournal {
    private static final Logger LOG = Logger.getLogger(UsageJournal.class);
    /** Lock files this JVM holds: never opened a second time (closing any descriptor of a file drops its POSIX locks). */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();
    private static final Pattern SEGMENT = Pattern.compile("usage\\.([A-Za-z0-9_-]+)\\.(\\d+)\\.(\\d+)\\.journal");
    private static final Pattern ACK = Pattern.compile("usage\\.([A-Za-z0-9_-]+)\\.(\\d+)\\.(\\d+)\\.ack");
    private static final Pattern LOCK = Pattern.compile("owner\\.([A-Za-z0-9_-]+)\\.lock");
    private static final Pattern LEGACY = Pattern.compile("usage-(.+)-\\d+\\.jsonl");
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int MAX_LINE = 64 << 20;

    private final Path dir;
    private final String owner;
    private final long maxBytes;
    private final long segmentBytes;
    private final AtomicInteger writerIds = new AtomicInteger();
    private final FastThreadLocal<Writer> writers = new FastThreadLocal<>() {
        @Override
        protected Writer initialValue() {
            return new Writer(writerIds.getAndIncrement());
        }
    };
    /** Segments started by appending threads, not yet taken in by the shipper. */
    private final ConcurrentLinkedQueue<Segment> started = new ConcurrentLinkedQueue<>();
    /** Records in the journal not yet acknowledged (appended here, or found in a claimed journal). */
    private final LongAdder pending = new LongAdder();
    private volatile boolean open;
    /** Set by the shipper when the journal holds {@code maxBytes}: appends are refused until it shrinks. */
    private volatile boolean full;

    // the shipper's
    private final List<Segment> segments = new ArrayList<>();
    private final Map<String, Claim> claims = new HashMap<>();
    private FileLock ownLock;
    private ByteBuffer readBuffer = ByteBuffer.allocate(256 << 10);
    private final java.util.zip.CRC32C readCrc = new java.util.zip.CRC32C();
    private long lost;
    /** Lines acknowledged, and lines found in claimed journals: with {@link #pending}, how many appends there were. */
    private long consumed;
    private long claimedLines;

    /**
     * @param owner        this process's unique name: letters, digits, {@code _} and {@code -}
     * @param maxBytes     past this much on disk, appends are refused
     * @param segmentBytes size at which a thread's segment is sealed and a new one started
     */
    UsageJournal(Path dir, String owner, long maxBytes, long segmentBytes) {
        if (!owner.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("owner " + owner);
        }
        this.dir = dir;
        this.owner = owner;
        this.maxBytes = maxBytes;
        this.segmentBytes = segmentBytes;
    }

    /** Creates the directory and takes this owner's lock; appends are refused before. */
    void open() {
        try {
            Files.createDirectories(dir);
            ownLock = lockOwn();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the usage journal in " + dir, e);
        }
        if (ownLock == null) {
            throw new IllegalStateException("the usage journal owner " + owner + " is already in use in " + dir);
        }
        open = true;
    }

    /**
     * Takes this owner's lock: on a new file, locked before it gets its name, so that a replica scanning the
     * directory never sees the lock file of a live owner unlocked.
     */
    private FileLock lockOwn() throws IOException {
        Path fresh = dir.resolve("owner." + owner + ".lock.new");
        FileLock lock = tryLock(fresh);
        if (lock == null) {
            return null;
        }
        Path named = dir.resolve("owner." + owner + ".lock");
        Files.move(fresh, named, StandardCopyOption.ATOMIC_MOVE);
        HELD.add(named.toAbsolutePath().normalize());
        HELD.remove(fresh.toAbsolutePath().normalize());
        return lock;
    }

    /** A segment file: appended by one thread, read, acknowledged and deleted by the shipper. */
    static final class Segment {
        final Path path;
        final String owner;
        /** A spool file of an earlier version: JSON lines without checksums, no acknowledgement file. */
        final boolean legacy;
        /** Bytes of whole records in the file: grows while its thread appends, fixed once sealed. */
        volatile long committed;
        /** No more appends: the segment can go once everything up to {@link #committed} is acknowledged. */
        volatile boolean sealed;
        // the shipper's
        long acked;
        FileChannel reader;
        FileChannel ackFile;

        Segment(Path path, String owner, boolean legacy) {
            this.path = path;
            this.owner = owner;
            this.legacy = legacy;
        }

        Path ackPath() {
            String name = path.getFileName().toString();
            return path.resolveSibling(name.substring(0, name.length() - ".journal".length()) + ".ack");
        }

        @Override
        public String toString() {
            return path.getFileName().toString();
        }
    }

    /** One appending thread's state: its current segment and an encoding buffer. Confined to the thread. */
    private static final class Writer {
        final int id;
        final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        byte[] buf = new byte[4096];
        int seq;
        Segment segment;
        FileOutputStream out;
        /** After a failed write, no new attempt (no new file) before this time. */
        long retryAt;

        Writer(int id) {
            this.id = id;
        }
    }

    /** A dead owner's journal this process has taken over, with the owner's lock. */
    private record Claim(FileLock lock, Path lockFile) {
    }

    /**
     * Appends one record (the event's JSON, and its settlement line if any) to the calling thread's segment with
     * one write into the page cache; a new segment file is opened only when the thread's current one is full.
     * Returns false when the record is not in the journal (closed, at its maximum size, or the write failed, e.g.
     * the disk is full): the caller keeps the event another way. Never throws.
     */
    boolean append(byte[] json, String settlement) {
        if (!open || full) {
            return false;
        }
        Writer w = writers.get();
        if (w.retryAt != 0) {
            if (System.nanoTime() - w.retryAt < 0) {
                return false;
            }
            w.retryAt = 0;
        }
        int len = encode(w, json, settlement);
        try {
            Segment s = w.segment;
            if (s == null || (s.committed + len > segmentBytes && s.committed > 0)) {
                s = rotate(w);
            }
            w.out.write(w.buf, 0, len);
            s.committed = s.committed + len; // one writer: publishes the whole record to the shipper
            pending.increment();
            return true;
        } catch (IOException | RuntimeException e) {
            abandon(w, e);
            return false;
        }
    }

    /** {@code <crc> <json>[\t<settlement>]\n} into the writer's buffer; returns the length. */
    private static int encode(Writer w, byte[] json, String settlement) {
        byte[] extra = settlement == null ? null : settlement.getBytes(StandardCharsets.UTF_8);
        int payload = json.length + (extra == null ? 0 : extra.length + 1);
        int len = 9 + payload + 1;
        if (w.buf.length < len) {
            w.buf = new byte[Math.max(len, w.buf.length * 2)];
        }
        byte[] b = w.buf;
        System.arraycopy(json, 0, b, 9, json.length);
        if (extra != null) {
            b[9 + json.length] = '\t';
            System.arraycopy(extra, 0, b, 10 + json.length, extra.length);
        }
        w.crc.reset();
        w.crc.update(b, 9, payload);
        int crc = (int) w.crc.getValue();
        for (int i = 7; i >= 0; i--) {
            b[i] = HEX[crc & 0xf];
            crc >>>= 4;
        }
        b[8] = ' ';
        b[len - 1] = '\n';
        return len;
    }

    private Segment rotate(Writer w) throws IOException {
        if (w.segment != null) {
            seal(w);
        }
        int seq = ++w.seq;
        Segment s = new Segment(dir.resolve(String.format("usage.%s.%d.%010d.journal", owner, w.id, seq)), owner, false);
        w.out = new FileOutputStream(s.path.toFile());
        w.segment = s;
        started.add(s);
        return s;
    }

    private static void seal(Writer w) {
        Segment s = w.segment;
        w.segment = null;
        FileOutputStream out = w.out;
        w.out = null;
        if (out != null) {
            try {
                out.close();
            } catch (IOException ignored) {
                // what was written is in the page cache; nothing more goes to this file
            }
        }
        if (s != null) {
            s.sealed = true;
        }
    }

    /**
     * A write failed (disk full, I/O error): the segment is sealed at its last whole record (the part of the failed
     * record that may have reached the file is cut off, or, if that fails too, lies past what is read), and the
     * thread tries a new segment a second later, so that a full disk costs no file per request.
     */
    private void abandon(Writer w, Exception e) {
        Segment s = w.segment;
        if (s != null && w.out != null) {
            try {
                w.out.getChannel().truncate(s.committed);
            } catch (IOException | RuntimeException ignored) {
                // the shipper reads up to the committed length only; a later reader skips the cut line
            }
        }
        seal(w);
        w.retryAt = System.nanoTime() + RETRY_NANOS;
        LOG.debugf("usage journal write failed: %s", e.toString());
    }

    /** Records in the journal not yet acknowledged by Redis (this process's, and those of claimed journals). */
    long pending() {
        return Math.max(0, pending.sum());
    }

    /**
     * How many records this process has appended so far (the shipper's view, exact): a change between two looks
     * means new records to send.
     */
    long appends() {
        return pending.sum() + consumed - claimedLines;
    }

    /** Records found damaged (cut short or failing their checksum) and skipped so far. */
    long lost() {
        return lost;
    }

    /** Whether appends are refused because the journal holds its maximum size. */
    boolean full() {
        return full;
    }

    /**
     * Looks for journals of dead owners in the directory (their lock file is free) and claims them: their segments
     * are shipped after this process's own. Also removes lock files of dead owners that left nothing.
     */
    void scan() {
        Map<String, List<Path>> byOwner = new TreeMap<>();
        Map<String, Path> lockFiles = new HashMap<>();
        Set<Path> tracked = new HashSet<>();
        for (Segment s : segments) {
            tracked.add(s.path);
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                Matcher m;
                if ((m = SEGMENT.matcher(name)).matches()) {
                    if (!m.group(1).equals(owner) && !tracked.contains(f)) {
                        byOwner.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(f);
                        lockFiles.putIfAbsent(m.group(1), dir.resolve("owner." + m.group(1) + ".lock"));
                    }
                } else if ((m = LEGACY.matcher(name)).matches()) {
                    String legacyOwner = "legacy-" + m.group(1);
                    if (!tracked.contains(f)) {
                        byOwner.computeIfAbsent(legacyOwner, k -> new ArrayList<>()).add(f);
                        lockFiles.putIfAbsent(legacyOwner, dir.resolve("owner-" + m.group(1) + ".lock"));
                    }
                } else if ((m = ACK.matcher(name)).matches()) {
                    String journal = name.substring(0, name.length() - ".ack".length()) + ".journal";
                    if (!m.group(1).equals(owner) && !Files.exists(f.resolveSibling(journal))) {
                        byOwner.computeIfAbsent(m.group(1), k -> new ArrayList<>()); // a leftover of a finished claim
                        lockFiles.putIfAbsent(m.group(1), dir.resolve("owner." + m.group(1) + ".lock"));
                    }
                } else if ((m = LOCK.matcher(name)).matches() && !m.group(1).equals(owner)) {
                    byOwner.computeIfAbsent(m.group(1), k -> new ArrayList<>());
                    lockFiles.putIfAbsent(m.group(1), f);
                }
            }
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            LOG.warnf("cannot list the usage journal directory %s: %s", dir, e.getMessage());
            return;
        }
        for (Map.Entry<String, List<Path>> e : byOwner.entrySet()) {
            String deadOwner = e.getKey();
            if (!claims.containsKey(deadOwner)) {
                FileLock lock;
                try {
                    lock = tryLock(lockFiles.get(deadOwner));
                } catch (IOException ex) {
                    LOG.debugf("cannot check the usage journal owner %s: %s", deadOwner, ex.getMessage());
                    continue;
                }
                if (lock == null) {
                    continue; // alive, or claimed by another replica
                }
                claims.put(deadOwner, new Claim(lock, lockFiles.get(deadOwner)));
            }
            List<Path> files = new ArrayList<>(e.getValue());
            files.sort(null);
            long records = 0;
            List<Segment> taken = new ArrayList<>();
            for (Path f : files) {
                Segment s = claim(f, deadOwner);
                if (s != null) {
                    taken.add(s);
                    records += s.committed > s.acked ? countLines(s) : 0;
                }
            }
            segments.addAll(0, taken); // a dead owner's events are older than ours
            if (records > 0) {
                LOG.infof("usage journal of %s taken over: %d usage events to send", deadOwner, records);
            }
        }
        release(); // owners that left nothing to ship
    }

    private Segment claim(Path file, String deadOwner) {
        boolean legacy = file.getFileName().toString().endsWith(".jsonl");
        Segment s = new Segment(file, deadOwner, legacy);
        try {
            s.committed = Files.size(file);
        } catch (IOException e) {
            return null; // gone meanwhile
        }
        s.sealed = true;
        if (!legacy) {
            s.acked = Math.min(readAck(s.ackPath()), s.committed);
        }
        return s;
    }

    private static long readAck(Path ack) {
        try {
            String text = Files.readString(ack, StandardCharsets.US_ASCII).trim();
            return text.isEmpty() ? 0 : Long.parseLong(text);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException | NumberFormatException e) {
            return 0; // unreadable: ship it all again (metering stores each request id once)
        }
    }

    /** Whole lines past the acknowledged position of a claimed segment, counted into {@link #pending()}. */
    private long countLines(Segment s) {
        long n = 0;
        try (FileChannel ch = FileChannel.open(s.path, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(64 << 10);
            long pos = s.acked;
            int r;
            while ((r = ch.read(buf.clear(), pos)) > 0) {
                byte[] a = buf.array();
                for (int i = 0; i < r; i++) {
                    if (a[i] == '\n') {
                        n++;
                    }
                }
                pos += r;
            }
        } catch (IOException e) {
            return 0;
        }
        pending.add(n);
        claimedLines += n;
        return n;
    }

    /** Records read for one send to Redis, and how far each segment they came from advances once Redis has them. */
    static final class Batch {
        final List<byte[]> records = new ArrayList<>();
        final List<Segment> segments = new ArrayList<>();
        final List<long[]> advances = new ArrayList<>(); // {new acknowledged position, lines consumed}
        /** Whether the journal held more than this batch could take. */
        boolean more;
        /** Damaged records skipped in this batch, and what to log about them once it is acknowledged. */
        final List<String> damaged = new ArrayList<>(0);

        boolean isEmpty() {
            return records.isEmpty() && segments.isEmpty();
        }
    }

    /**
     * The next records to send, oldest segments first, from where each segment's acknowledged part ends: only one
     * batch is out at a time, and one that fails is simply read again. Deletes segments that are sealed and wholly
     * acknowledged, and updates the full flag.
     */
    Batch next(int maxRecords, int byteBudget) {
        refresh();
        Batch batch = new Batch();
        int bytes = 0;
        for (Segment s : segments) {
            if (batch.records.size() >= maxRecords || bytes >= byteBudget) {
                batch.more |= s.acked < s.committed;
                continue;
            }
            long committed = s.committed;
            if (s.acked >= committed) {
                continue;
            }
            try {
                bytes += read(s, committed, batch, maxRecords, byteBudget - bytes);
            } catch (IOException e) {
                LOG.warnf("cannot read the usage journal segment %s: %s", s, e.getMessage());
            }
        }
        return batch;
    }

    /**
     * Takes in the segments appending threads have started, deletes those sealed and wholly acknowledged, and
     * updates the full flag. Done by {@link #next}; call it regularly while nothing is sent (Redis away).
     */
    void refresh() {
        for (Segment s; (s = started.poll()) != null; ) {
            segments.add(s);
        }
        trim();
    }

    /** Reads whole lines of one segment into the batch; returns the bytes taken. */
    private int read(Segment s, long committed, Batch batch, int maxRecords, int byteBudget) throws IOException {
        if (s.reader == null) {
            s.reader = FileChannel.open(s.path, StandardOpenOption.READ);
        }
        int want = (int) Math.min(committed - s.acked, Math.max(byteBudget, 1));
        if (want > readBuffer.capacity()) {
            want = readBuffer.capacity();
        }
        ByteBuffer buf = readBuffer.clear().limit(want);
        long at = s.acked;
        while (buf.hasRemaining()) {
            int r = s.reader.read(buf, at + buf.position());
            if (r <= 0) {
                break;
            }
        }
        int n = buf.position();
        byte[] a = buf.array();
        int pos = 0;
        long lines = 0;
        while (batch.records.size() < maxRecords) {
            int nl = indexOf(a, pos, n);
            if (nl < 0) {
                break;
            }
            lines++;
            byte[] record = s.legacy ? legacyRecord(a, pos, nl) : record(a, pos, nl);
            if (record != null) {
                batch.records.add(record);
            } else if (!s.legacy) {
                batch.damaged.add(s + " holds a damaged record at byte " + (at + pos));
            }
            pos = nl + 1;
        }
        long to = at + pos;
        if (pos < n && batch.records.size() < maxRecords && at + n == committed) {
            if (s.sealed) {
                // bytes after the last whole line of a file nobody appends to: a record cut short by a killed process
                batch.damaged.add(s + " ends with a record cut short (" + (n - pos) + " bytes)");
                to = committed;
            }
        } else if (pos == 0 && n == readBuffer.capacity() && n < MAX_LINE) {
            readBuffer = ByteBuffer.allocate(readBuffer.capacity() * 2); // a line longer than the buffer: next round
            batch.more = true;
        } else if (pos == 0 && n >= MAX_LINE) {
            batch.damaged.add(s + " holds a line over " + MAX_LINE + " bytes");
            to = at + n;
        }
        if (to > at) {
            batch.segments.add(s);
            batch.advances.add(new long[]{to, lines});
        }
        batch.more |= to < committed;
        return pos;
    }

    private static int indexOf(byte[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            if (a[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** The payload of a line {@code <crc> <payload>}, or null when it is damaged. */
    private byte[] record(byte[] a, int from, int nl) {
        int payload = nl - from - 9;
        if (payload <= 0 || a[from + 8] != ' ') {
            return null;
        }
        int expected = 0;
        for (int i = from; i < from + 8; i++) {
            int d = Character.digit(a[i], 16);
            if (d < 0) {
                return null;
            }
            expected = (expected << 4) | d;
        }
        readCrc.reset();
        readCrc.update(a, from + 9, payload);
        if ((int) readCrc.getValue() != expected) {
            return null;
        }
        byte[] r = new byte[payload];
        System.arraycopy(a, from + 9, r, 0, payload);
        return r;
    }

    private static byte[] legacyRecord(byte[] a, int from, int nl) {
        int end = nl > from && a[nl - 1] == '\r' ? nl - 1 : nl;
        if (end <= from || new String(a, from, end - from, StandardCharsets.UTF_8).isBlank()) {
            return null;
        }
        byte[] r = new byte[end - from];
        System.arraycopy(a, from, r, 0, r.length);
        return r;
    }

    /**
     * Redis has the batch: each segment's acknowledged position moves on (written to its {@code .ack} file, one
     * small write per segment and batch), and segments sealed and wholly acknowledged are deleted.
     */
    void acknowledge(Batch batch) {
        for (String d : batch.damaged) {
            lost++;
            LOG.warnf("usage journal %s: skipped", d);
        }
        for (int i = 0; i < batch.segments.size(); i++) {
            Segment s = batch.segments.get(i);
            long[] advance = batch.advances.get(i);
            s.acked = advance[0];
            pending.add(-advance[1]);
            consumed += advance[1];
            if (!s.legacy && !(s.sealed && s.acked >= s.committed)) {
                writeAck(s);
            }
        }
        trim();
    }

    private void writeAck(Segment s) {
        try {
            if (s.ackFile == null) {
                s.ackFile = FileChannel.open(s.ackPath(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            }
            s.ackFile.write(ByteBuffer.wrap(String.format("%019d\n", s.acked).getBytes(StandardCharsets.US_ASCII)), 0);
        } catch (IOException e) {
            // without it a later reader ships the segment again from its start: duplicates, which metering skips
            LOG.debugf("cannot write %s: %s", s.ackPath(), e.getMessage());
        }
    }

    /** Deletes sealed, wholly acknowledged segments; releases dead owners whose journal is gone; updates {@link #full}. */
    private void trim() {
        long onDisk = 0;
        for (Iterator<Segment> it = segments.iterator(); it.hasNext(); ) {
            Segment s = it.next();
            if (s.sealed && s.acked >= s.committed) {
                delete(s);
                it.remove();
            } else {
                onDisk += s.committed;
            }
        }
        full = onDisk >= maxBytes;
        release();
    }

    private static void delete(Segment s) {
        closeQuietly(s.reader);
        closeQuietly(s.ackFile);
        s.reader = null;
        s.ackFile = null;
        try {
            Files.deleteIfExists(s.path);
            if (!s.legacy) {
                Files.deleteIfExists(s.ackPath());
            }
        } catch (IOException e) {
            LOG.warnf("cannot delete %s: %s", s.path, e.getMessage());
        }
    }

    /** Gives up the claims on dead owners whose segments are all gone (their lock file with them). */
    private void release() {
        if (claims.isEmpty()) {
            return;
        }
        Set<String> busy = new HashSet<>();
        for (Segment s : segments) {
            busy.add(s.owner);
        }
        for (Iterator<Map.Entry<String, Claim>> it = claims.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Claim> e = it.next();
            if (!busy.contains(e.getKey())) {
                if (!e.getKey().startsWith("legacy-")) {
                    deleteAcks(e.getKey());
                }
                unlock(e.getValue().lock(), e.getValue().lockFile(), true);
                it.remove();
            }
        }
    }

    /** Removes {@code .ack} files of a released dead owner left without their segment (a crash between the two deletes). */
    private void deleteAcks(String deadOwner) {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Matcher m = ACK.matcher(f.getFileName().toString());
                if (m.matches() && m.group(1).equals(deadOwner)) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            LOG.debugf("cannot tidy the usage journal directory: %s", e.getMessage());
        }
    }

    /**
     * Stops appends and gives up this owner's lock and any claims: what is not acknowledged stays on disk for the
     * next process that uses the directory. Threads that append later are refused.
     */
    void close() {
        open = false;
        for (Segment s : segments) {
            closeQuietly(s.reader);
            closeQuietly(s.ackFile);
        }
        for (Claim c : claims.values()) {
            unlock(c.lock(), c.lockFile(), false);
        }
        claims.clear();
        if (ownLock != null) {
            unlock(ownLock, dir.resolve("owner." + owner + ".lock"), false);
            ownLock = null;
        }
    }

    /**
     * The lock of a lock file (created if missing), or null when another process holds it or this JVM does: a lock
     * file is never opened twice in one JVM, since closing any descriptor of a file drops the process's locks on it.
     */
    static FileLock tryLock(Path file) throws IOException {
        Path key = file.toAbsolutePath().normalize();
        if (!HELD.add(key)) {
            return null;
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = ch.tryLock();
            if (lock == null) {
                ch.close();
                HELD.remove(key);
            }
            return lock;
        } catch (IOException | OverlappingFileLockException e) {
            closeQuietly(ch);
            HELD.remove(key);
            if (e instanceof IOException io) {
                throw io;
            }
            return null;
        }
    }

    private static void unlock(FileLock lock, Path file, boolean delete) {
        try {
            if (delete) {
                Files.deleteIfExists(file); // before the release: nobody takes a lock on a file that is going
            }
            lock.release();
        } catch (IOException e) {
            LOG.debugf("cannot release %s: %s", file, e.getMessage());
        } finally {
            closeQuietly(lock.channel());
            HELD.remove(file.toAbsolutePath().normalize());
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }
}
