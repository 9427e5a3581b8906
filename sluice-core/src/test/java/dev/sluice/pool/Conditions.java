package dev.sluice.pool;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Test helpers: wait for a condition with a deadline (never a bare sleep), run code on other threads. */
final class Conditions {

    private Conditions() { }

    /** Polls {@code condition} until it holds, failing the test after {@code limit}. */
    static void awaitTrue(String what, Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + limit + " waiting for: " + what);
            }
            LockSupport.parkNanos(200_000L);
        }
    }

    static void awaitTrue(String what, BooleanSupplier condition) {
        awaitTrue(what, Duration.ofSeconds(10), condition);
    }

    /** Polls until {@code t} is parked (WAITING or TIMED_WAITING), i.e. blocked in a call. */
    static void awaitBlocked(Thread t) {
        awaitTrue(t.getName() + " to block", () -> {
            Thread.State s = t.getState();
            return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
        });
    }

    /** A body that may throw anything. */
    @FunctionalInterface
    interface Body {
        void run() throws Throwable;
    }

    /** Threads started by a test whose failures fail the test. */
    static final class Workers {
        private final List<Thread> threads = new ArrayList<>();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Thread start(String name, Body body) {
            Thread t = Thread.ofPlatform().name(name).unstarted(() -> {
                try {
                    body.run();
                } catch (Throwable e) {
                    if (!failure.compareAndSet(null, e)) {
                        failure.get().addSuppressed(e);
                    }
                }
            });
            threads.add(t);
            t.start();
            return t;
        }

        /** Joins every thread (failing if one does not end) and rethrows the first failure. */
        void joinAll(Duration limit) throws Throwable {
            long deadline = System.nanoTime() + limit.toNanos();
            for (Thread t : threads) {
                // Loop on the state: a timed join was seen to return while isAlive() was still true for a
                // thread that getState() then reported TERMINATED (it had finished its body).
                for (long left; t.getState() != Thread.State.TERMINATED && (left = deadline - System.nanoTime()) > 0; ) {
                    t.join(Duration.ofNanos(Math.min(left, 50_000_000L)));
                }
                if (t.getState() != Thread.State.TERMINATED) {
                    StringBuilder stack = new StringBuilder();
                    for (StackTraceElement e : t.getStackTrace()) {
                        stack.append("\n\tat ").append(e);
                    }
                    fail("thread " + t.getName() + " (" + t.getState() + ") did not end within " + limit + " (waited "
                            + Duration.ofNanos(System.nanoTime() - deadline + limit.toNanos()) + ")" + stack);
                }
            }
            if (failure.get() != null) {
                throw failure.get();
            }
        }
    }
}
