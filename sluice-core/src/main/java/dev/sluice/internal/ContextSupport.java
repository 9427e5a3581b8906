package dev.sluice.internal;

import dev.sluice.Context;
import java.util.Objects;

/**
 * Module-internal access to {@link Context}: lets blocking operations in other packages be woken by a
 * cancellation without a timer (they park with the deadline themselves). Installed once by
 * {@code Context}'s static initializer; not exported.
 */
public final class ContextSupport {

    public interface Bridge {
        Context.Registration onCancel(Context context, Runnable callback);

        long deadlineNanos(Context context);
    }

    private static volatile Bridge bridge;

    private ContextSupport() { }

    public static void install(Bridge b) {
        if (bridge != null) {
            throw new IllegalStateException("already installed");
        }
        bridge = Objects.requireNonNull(b);
    }

    /**
     * Runs {@code callback} once when {@code context} or an ancestor is cancelled (not on its deadline);
     * at once if it is already cancelled. The callback must be short and must not block.
     */
    public static Context.Registration onCancel(Context context, Runnable callback) {
        return bridge.onCancel(context, callback);
    }

    /**
     * The context's deadline as a {@link System#nanoTime()} value, exactly the one its {@code isDone()}
     * compares against, so that a wait parked until it ends when the context is done and not a few
     * nanoseconds before. Meaningful only if {@link Context#hasDeadline()}.
     */
    public static long deadlineNanos(Context context) {
        return bridge.deadlineNanos(context);
    }
}
