package dev.sluice;

import dev.sluice.internal.ContextSupport;
import dev.sluice.internal.DeadlineTimer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A deadline and a cancellation signal that travel with a unit of work, after Go's {@code context}.
 *
 * <p>Contexts form a tree. {@link #background()} is the root: it is never done. Each derived context
 * ({@link #withTimeout}, {@link #withDeadline}, {@link #withCancel}) is done when its own deadline passes,
 * when it is cancelled, or when any ancestor is done, whichever happens first. A context never becomes
 * un-done. Every blocking operation in sluice has a form that takes a context; it ends with
 * {@link DeadlineExceededException} or {@link CancelledException} (both {@link ContextDoneException}s)
 * as soon as the context is done, and never starts waiting on a context that is already done.
 *
 * <p>Deadlines are measured on {@link System#nanoTime()}, so they are immune to wall-clock jumps;
 * {@link #withDeadline(Instant)} converts its wall-clock instant once, when it is called.
 *
 * <p>Derived contexts hold a reference to their ancestors, never the other way round: a child that is
 * dropped without being cancelled is garbage like any other object (unlike Go, forgetting to cancel
 * leaks nothing). Callbacks registered with {@link #onDone} are held until they run or their
 * {@link Registration} is closed.
 *
 * <p>Memory consistency effects: actions in a thread before it cancels a context happen-before the
 * callbacks run for that cancellation, and before any thread observes {@link #isDone()} as
 * {@code true} because of it.
 */
public sealed class Context permits CancellableContext {

    /** A handle to undo a registration made with {@link #onDone}. Closing it more than once is harmless. */
    @FunctionalInterface
    public interface Registration extends AutoCloseable {
        /** Removes the callback if it has not run yet; never throws. */
        @Override
        void close();

        /** A registration that holds nothing. */
        Registration NONE = () -> { };
    }

    private static final long MAX_TIMEOUT_NANOS = Long.MAX_VALUE / 2;
    private static final Context BACKGROUND = new Context(null, false, 0L);

    static {
        ContextSupport.install(new ContextSupport.Bridge() {
            @Override
            public Registration onCancel(Context context, Runnable callback) {
                return registerCancel(context, callback);
            }

            @Override
            public long deadlineNanos(Context context) {
                return context.deadlineNanos;
            }
        });
    }

    /** The nearest cancellable context at or above this one's parent, or null. */
    final CancellableContext enclosing;
    private final boolean hasDeadline;
    private final long deadlineNanos;

    Context(CancellableContext enclosing, boolean hasDeadline, long deadlineNanos) {
        this.enclosing = enclosing;
        this.hasDeadline = hasDeadline;
        this.deadlineNanos = deadlineNanos;
    }

    /** The root context: no deadline, cannot be cancelled, never done. */
    public static Context background() {
        return BACKGROUND;
    }

    /** The nearest cancellable scope that governs this context (itself, for a cancellable one). */
    CancellableContext scope() {
        return enclosing;
    }

    /**
     * A child that is also done {@code timeout} from now. A zero or negative timeout gives a context that
     * is already done. The child's deadline is never later than this context's.
     */
    public Context withTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        long now = System.nanoTime();
        // Capped at ~146 years so that deadline comparisons by difference (overflow-safe) stay valid.
        long nanos = Math.min(Math.max(saturatedNanos(timeout), 0L), MAX_TIMEOUT_NANOS);
        long deadline = now + nanos;
        if (hasDeadline && deadlineNanos - deadline < 0) {
            deadline = deadlineNanos;
        }
        return new Context(scope(), true, deadline);
    }

    /** A child that is also done at the wall-clock {@code deadline} (converted once, now). */
    public Context withDeadline(Instant deadline) {
        Objects.requireNonNull(deadline, "deadline");
        return withTimeout(Duration.between(Instant.now(), deadline));
    }

    /**
     * A child that can be cancelled on its own with {@link CancellableContext#cancel()}; cancelling it
     * does not affect this context. Use it in try-with-resources to cancel on exit, as Go's
     * {@code defer cancel()}.
     */
    public CancellableContext withCancel() {
        return new CancellableContext(this, hasDeadline, deadlineNanos);
    }

    /** True once the deadline has passed or this context or an ancestor was cancelled. */
    public boolean isDone() {
        if (hasDeadline && System.nanoTime() - deadlineNanos >= 0) {
            return true;
        }
        for (CancellableContext c = scope(); c != null; c = c.enclosing) {
            if (c.cancellation() != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * Why this context is done: a {@link CancelledException} (whose cause is the reason given to
     * {@code cancel}, if any) or a {@link DeadlineExceededException}; {@code null} while it is not done.
     * When both happened, the earlier one is reported.
     */
    public ContextDoneException cause() {
        CancellableContext.Cancellation first = null;
        for (CancellableContext c = scope(); c != null; c = c.enclosing) {
            CancellableContext.Cancellation s = c.cancellation();
            if (s != null && (first == null || s.atNanos() - first.atNanos() < 0)) {
                first = s;
            }
        }
        boolean expired = hasDeadline && System.nanoTime() - deadlineNanos >= 0;
        if (first != null && (!expired || first.atNanos() - deadlineNanos < 0)) {
            return first.exception();
        }
        return expired ? new DeadlineExceededException("context deadline exceeded") : null;
    }

    /** Throws a fresh {@link DeadlineExceededException} or {@link CancelledException} if this context is done. */
    public void throwIfDone() {
        if (isDone()) {
            throw doneException();
        }
    }

    /** A new exception (with this thread's stack) saying why this done context is done. */
    ContextDoneException doneException() {
        ContextDoneException cause = cause();
        if (cause instanceof CancelledException c) {
            return new CancelledException(c.getMessage(), c.getCause());
        }
        return new DeadlineExceededException("context deadline exceeded");
    }

    /** True if this context has a deadline (its own or an ancestor's). */
    public boolean hasDeadline() {
        return hasDeadline;
    }

    /**
     * Nanoseconds until the deadline, at least 0; {@link Long#MAX_VALUE} when there is no deadline.
     * Says nothing about cancellation.
     */
    public long remainingNanos() {
        if (!hasDeadline) {
            return Long.MAX_VALUE;
        }
        return Math.max(0L, deadlineNanos - System.nanoTime());
    }

    /** Time until the deadline, never negative; {@code Duration.ofNanos(Long.MAX_VALUE)} when there is none. */
    public Duration remaining() {
        return Duration.ofNanos(remainingNanos());
    }

    /**
     * Runs {@code callback} once, when this context becomes done (by cancellation, or by its deadline on a
     * shared timer thread), or at once on this thread if it is already done. A cancellation runs callbacks
     * on the cancelling thread, after the context is marked done. Close the returned registration to
     * drop the callback when it is no longer wanted; registrations hold memory until then.
     */
    public Registration onDone(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        Runnable once = runOnce(callback);
        if (isDone()) {
            once.run();
            return Registration.NONE;
        }
        List<Registration> held = new ArrayList<>(2);
        for (CancellableContext c = scope(); c != null; c = c.enclosing) {
            held.add(c.addListener(once));
        }
        if (hasDeadline) {
            held.add(DeadlineTimer.schedule(deadlineNanos, once));
        }
        return () -> held.forEach(Registration::close);
    }

    /** Cancellation only, no timer: what blocking operations use, since they park with the deadline. */
    private static Registration registerCancel(Context ctx, Runnable callback) {
        CancellableContext first = ctx.scope();
        if (first == null) {
            return Registration.NONE;
        }
        if (first.enclosing == null) {
            return first.addListener(callback);
        }
        Runnable once = runOnce(callback);
        List<Registration> held = new ArrayList<>(2);
        for (CancellableContext c = first; c != null; c = c.enclosing) {
            held.add(c.addListener(once));
        }
        return () -> held.forEach(Registration::close);
    }

    private static Runnable runOnce(Runnable callback) {
        AtomicBoolean ran = new AtomicBoolean();
        return () -> {
            if (!ran.get() && ran.compareAndSet(false, true)) {
                callback.run();
            }
        };
    }

    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    @Override
    public String toString() {
        if (this == BACKGROUND) {
            return "Context.background";
        }
        return "Context[" + (hasDeadline ? "remaining=" + remaining() : "no deadline") + ", done=" + isDone() + "]";
    }
}
