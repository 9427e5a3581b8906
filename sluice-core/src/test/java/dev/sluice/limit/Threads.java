package dev.sluice.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Test helpers: run code on a thread we start (failures captured as Throwable), and poll for conditions. */
final class Threads {

    private Threads() { }

    @FunctionalInterface
    interface Body<T> {
        T run() throws Throwable;
    }

    /** A handle to a platform thread started by a test: its result or whatever it threw. */
    static final class Running<T> {
        final Thread thread;
        final CompletableFuture<T> result = new CompletableFuture<>();

        Running(Body<T> body) {
            thread = new Thread(() -> {
                try {
                    result.complete(body.run());
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            }, "limit-test");
            thread.setDaemon(true);
        }

        /** The value, or the thrown exception itself (unwrapped), waiting at most 10 s. */
        T join() throws Throwable {
            try {
                return result.get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause();
            }
        }

        /** What the thread threw, waiting at most 10 s; fails if it returned normally. */
        Throwable failure() throws Exception {
            try {
                T v = result.get(10, TimeUnit.SECONDS);
                throw new AssertionError("expected a failure but returned " + v);
            } catch (java.util.concurrent.ExecutionException e) {
                return e.getCause();
            }
        }

        void awaitEnd() throws InterruptedException {
            thread.join(10_000);
            assertThat(thread.isAlive()).as("thread ended").isFalse();
        }
    }

    static <T> Running<T> start(Body<T> body) {
        Running<T> r = new Running<>(body);
        r.thread.start();
        return r;
    }

    /** Polls {@code condition} until true, failing after {@code max}. Not a sleep: it returns as soon as it holds. */
    static void awaitCondition(String what, Duration max, BooleanSupplier condition) {
        long end = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    static void awaitCondition(String what, BooleanSupplier condition) {
        awaitCondition(what, Duration.ofSeconds(10), condition);
    }

    /** True once {@code t} is parked (WAITING or TIMED_WAITING). */
    static boolean isParked(Thread t) {
        Thread.State s = t.getState();
        return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
    }

    static int stressScale() {
        String s = System.getenv("SLUICE_STRESS_SCALE");
        try {
            return s == null ? 1 : Math.max(1, Integer.parseInt(s.trim()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
