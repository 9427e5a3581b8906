package dev.sluice.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts test bodies on platform or virtual threads, captures whatever they throw (any {@link Throwable},
 * so an {@link AssertionError} on a worker fails the test instead of vanishing), and, registered with
 * {@code @RegisterExtension}, checks after each test that every thread it started has ended and that no
 * failure went unnoticed.
 *
 * <pre>{@code
 * @RegisterExtension final TestThreads threads = new TestThreads();
 * Worker<Integer> r = threads.start(ThreadKind.VIRTUAL, "receiver", () -> ch.receive());
 * assertThat(r.join()).isEqualTo(1);
 * }</pre>
 */
public final class TestThreads implements AfterEachCallback {

    /** Code run on a worker thread; may throw anything. */
    @FunctionalInterface
    public interface Body<T> {
        T run() throws Throwable;
    }

    /** A body with no result. */
    @FunctionalInterface
    public interface VoidBody {
        void run() throws Throwable;
    }

    /** How long {@link Worker#join()} and the end-of-test check wait for a thread to end. */
    public static final Duration JOIN_DEADLINE = Duration.ofSeconds(5);

    private final List<Worker<?>> started = new ArrayList<>();

    /** Starts {@code body} on a new thread of the given kind. */
    public synchronized <T> Worker<T> start(ThreadKind kind, String name, Body<T> body) {
        Worker<T> w = new Worker<>(kind, name, body);
        started.add(w);
        w.thread.start();
        return w;
    }

    /** Starts {@code body}, which returns nothing, on a new thread of the given kind. */
    public <T> Worker<T> run(ThreadKind kind, String name, VoidBody body) {
        return start(kind, name, () -> {
            body.run();
            return null;
        });
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<Worker<?>> all;
        synchronized (this) {
            all = new ArrayList<>(started);
            started.clear();
        }
        AssertionError problem = null;
        for (Worker<?> w : all) {
            String issue = null;
            if (!w.awaitEnd(JOIN_DEADLINE)) {
                issue = "thread '" + w.thread.getName() + "' was left behind, state " + w.thread.getState()
                        + ", at " + Arrays.toString(w.thread.getStackTrace());
                w.thread.interrupt();
            } else if (w.failure != null && !w.observed) {
                issue = "thread '" + w.thread.getName() + "' failed and the test did not look: " + w.failure;
            }
            if (issue != null) {
                AssertionError e = new AssertionError(issue, w.failure);
                if (problem == null) {
                    problem = e;
                } else {
                    problem.addSuppressed(e);
                }
            }
        }
        if (problem != null) {
            throw problem;
        }
    }

    /** One started thread, its result, and what it threw. */
    public static final class Worker<T> {
        private final Thread thread;
        private volatile T result;
        private volatile Throwable failure;
        private volatile boolean observed;

        Worker(ThreadKind kind, String name, Body<T> body) {
            this.thread = kind.builder(name).unstarted(() -> {
                try {
                    result = body.run();
                } catch (Throwable t) {
                    failure = t;
                }
            });
        }

        public Thread thread() {
            return thread;
        }

        /** Waits for the thread to end and returns its result; fails the test if it threw or did not end. */
        public T join() {
            Throwable t = joinFailure();
            if (t != null) {
                throw new AssertionError("thread '" + thread.getName() + "' failed", t);
            }
            return result;
        }

        /** Waits for the thread to end and returns what it threw, or null if it returned normally. */
        public Throwable joinFailure() {
            if (!awaitEnd(JOIN_DEADLINE)) {
                throw new AssertionError("thread '" + thread.getName() + "' did not end within " + JOIN_DEADLINE
                        + ", state " + thread.getState() + ", at " + Arrays.toString(thread.getStackTrace()));
            }
            observed = true;
            return failure;
        }

        /** Blocks until the thread is parked in a channel or select operation (see {@link Poll#untilParked}). */
        public Worker<T> awaitParked() {
            Poll.untilParked(thread);
            return this;
        }

        public boolean isAlive() {
            return thread.isAlive();
        }

        boolean awaitEnd(Duration d) {
            try {
                return thread.join(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while joining '" + thread.getName() + "'", e);
            }
        }
    }
}
