package io.nexusai.gateway.upstream;

import io.vertx.core.impl.ContextInternal;
import org.jboss.logging.Logger;

/**
 * The timeouts of the upstream calls of one event loop (first byte, idle gap, total, backoff before the next
 * attempt), checked by one periodic tick of that loop instead of a Vert.x timer per request and per stream chunk.
 * A {@link Deadline} is a node of an intrusive list: arming, re-arming and disarming are a few field writes, a
 * stream chunk only moves its deadline ({@link #touch}), and a request that ends disarms its deadlines, so nothing
 * here keeps an ended request reachable. A deadline fires at most {@link #TICK_MS} late (and never early).
 *
 * <p>Confined to its event loop: every method is called on that loop's thread; actions run there.
 */
public final class Deadlines {
    private static final Logger LOG = Logger.getLogger(Deadlines.class);
    /** Resolution of the timeouts. */
    public static final long TICK_MS = 10;
    /** Idle ticks (nothing armed) after which the periodic tick stops until the next deadline is armed. */
    private static final int IDLE_TICKS_BEFORE_STOP = 100;

    /** One timeout of an owner (a call, an exchange, a stream): armed, moved, disarmed, or fired once. */
    public static final class Deadline {
        private final Runnable action;
        private long at;
        private Deadline prev;
        private Deadline next;
        private boolean armed;
        /** Found past its time by the current tick, not yet run (a disarm before then cancels it). */
        private boolean firing;
        private Deadline nextFiring;

        /** @param action what to do when the deadline passes; runs on the event loop, at most once per arming */
        public Deadline(Runnable action) {
            this.action = action;
        }

        public boolean armed() {
            return armed || firing;
        }
    }

    private final ContextInternal loop;
    private final Deadline head = new Deadline(null);
    private long now = System.nanoTime();
    private long periodic = -1;
    private int idleTicks;
    /** Written on the loop only; volatile so that a leak check from another thread sees it. */
    private volatile int size;

    /** @param loop the event loop's own (not a request's duplicated) context: ticks run on it */
    public Deadlines(ContextInternal loop) {
        this.loop = loop.unwrap();
        head.prev = head;
        head.next = head;
    }

    /** The clock as of the last tick or arming (nanoTime): cheap, at most a tick old. */
    public long now() {
        return now;
    }

    /** Arms (or re-arms) {@code d} to fire {@code delayMs} from now. */
    public void arm(Deadline d, long delayMs) {
        now = System.nanoTime();
        at(d, now + delayMs * 1_000_000L);
    }

    /**
     * Moves an armed deadline to {@code delayMs} after the clock of the last tick, without reading the time: for
     * deadlines pushed on every piece of a stream. May fire up to one tick earlier than {@link #arm} would.
     */
    public void touch(Deadline d, long delayMs) {
        at(d, now + delayMs * 1_000_000L);
    }

    private void at(Deadline d, long at) {
        d.at = at;
        d.firing = false;
        if (!d.armed) {
            d.armed = true;
            d.prev = head.prev;
            d.next = head;
            head.prev.next = d;
            head.prev = d;
            size++;
            if (periodic < 0) {
                periodic = loop.setPeriodic(TICK_MS, id -> tick());
            }
        }
        idleTicks = 0;
    }

    /** Disarms {@code d}; nothing happens if it is not armed (or has fired). */
    public void disarm(Deadline d) {
        d.firing = false;
        if (d.armed) {
            unlink(d);
        }
    }

    /** Deadlines armed now (for tests and diagnostics). */
    public int size() {
        return size;
    }

    private void unlink(Deadline d) {
        d.armed = false;
        d.prev.next = d.next;
        d.next.prev = d.prev;
        d.prev = null;
        d.next = null;
        size--;
    }

    private void tick() {
        now = System.nanoTime();
        if (size == 0) {
            if (++idleTicks >= IDLE_TICKS_BEFORE_STOP) {
                loop.owner().cancelTimer(periodic);
                periodic = -1;
            }
            return;
        }
        Deadline firing = null;
        for (Deadline d = head.next; d != head; ) {
            Deadline next = d.next;
            if (now - d.at >= 0) {
                unlink(d);
                d.firing = true;
                d.nextFiring = firing;
                firing = d;
            }
            d = next;
        }
        // run after the scan: an action may arm or disarm other deadlines (or cancel one that is about to fire)
        while (firing != null) {
            Deadline d = firing;
            firing = d.nextFiring;
            d.nextFiring = null;
            if (d.firing) {
                d.firing = false;
                try {
                    d.action.run();
                } catch (RuntimeException e) {
                    LOG.error("a timeout action failed", e);
                }
            }
        }
    }
}
