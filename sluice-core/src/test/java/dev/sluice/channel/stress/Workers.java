package dev.sluice.channel.stress;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The threads one test starts: a bounded number, each named with this group's unique prefix. A body's
 * failure (any {@link Throwable}, assertions included) is kept and rethrown on the test thread by
 * {@link #finish}; the first failure also runs the abort hook, so that the other threads stop instead of
 * waiting for a partner that died. {@link #finish} waits for every thread up to a deadline (a hang is a
 * failure, reported with the stacks of the threads still running), then checks that none of them is
 * left, by {@link Thread#isAlive()} and in the JVM's own thread census.
 */
final class Workers implements AutoCloseable {

    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    private static final AtomicLong GROUPS = new AtomicLong();
    private static final int MAX_SUPPRESSED = 20;

    private final String prefix;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicInteger suppressed = new AtomicInteger();
    private volatile Runnable abortHook = () -> { };

    Workers(String name) {
        this.prefix = "sluice-" + name + "-" + GROUPS.incrementAndGet() + "-";
    }

    String prefix() {
        return prefix;
    }

    /** Run when the first body fails (on that body's thread); must not block. */
    void onAbort(Runnable hook) {
        this.abortHook = hook;
    }

    boolean failed() {
        return failure.get() != null;
    }

    Thread startVirtual(String name, Body body) {
        return start(Thread.ofVirtual().name(prefix + name).unstarted(wrap(body)));
    }

    Thread startPlatform(String name, Body body) {
        return start(Thread.ofPlatform().name(prefix + name).daemon(true).unstarted(wrap(body)));
    }

    private Thread start(Thread t) {
        synchronized (threads) {
            threads.add(t);
        }
        t.start();
        return t;
    }

    private Runnable wrap(Body body) {
        return () -> {
            try {
                body.run();
            } catch (Throwable t) {
                fail(t);
            }
        };
    }

    /** Records a failure seen by a worker (also usable from bodies that catch and continue). */
    void fail(Throwable t) {
        if (failure.compareAndSet(null, t)) {
            try {
                abortHook.run();
            } catch (Throwable h) {
                t.addSuppressed(h);
            }
        } else if (suppressed.incrementAndGet() <= MAX_SUPPRESSED) {
            failure.get().addSuppressed(t);
        }
    }

    List<Thread> threads() {
        synchronized (threads) {
            return List.copyOf(threads);
        }
    }

    /**
     * Waits for every thread until {@code deadline}, rethrows the first worker failure, and checks that
     * no thread of this group is left.
     */
    void finish(Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        List<Thread> hung = new ArrayList<>();
        for (Thread t : threads()) {
            long left = end - System.nanoTime();
            if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                hung.add(t);
            }
        }
        if (!hung.isEmpty()) {
            StringBuilder sb = new StringBuilder(hung.size() + " thread(s) still running after " + deadline + ":");
            for (Thread t : hung) {
                sb.append("\n  ").append(t.getName()).append(" ").append(t.getState());
                for (StackTraceElement e : t.getStackTrace()) {
                    sb.append("\n      at ").append(e);
                }
            }
            AssertionError e = new AssertionError(sb.toString());
            Throwable f = failure.get();
            if (f != null) {
                e.addSuppressed(f);
            }
            close();
            throw e;
        }
        Throwable f = failure.get();
        if (f instanceof Error err) {
            throw err;
        }
        if (f != null) {
            throw new AssertionError("a worker failed", f);
        }
        assertNoneLeft();
    }

    /** Every thread started here has terminated, and the JVM knows no live thread with this prefix. */
    void assertNoneLeft() {
        for (Thread t : threads()) {
            if (t.isAlive()) {
                throw new AssertionError("thread left behind: " + t);
            }
        }
        // A thread that join() reported as ended may stay in the JVM's census for a moment while it is
        // unregistered: poll the census for up to a few seconds before calling it a leak.
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Set<String> live;
        while (!(live = ThreadCensus.liveThreadNames(prefix)).isEmpty() && System.nanoTime() - end < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        if (!live.isEmpty()) {
            throw new AssertionError("the JVM still lists threads of this test: " + live);
        }
    }

    /** Interrupts whatever is still running and waits a little for it (cleanup after a failure). */
    @Override
    public void close() {
        for (Thread t : threads()) {
            if (t.isAlive()) {
                t.interrupt();
            }
        }
        boolean interrupted = false;
        for (Thread t : threads()) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
