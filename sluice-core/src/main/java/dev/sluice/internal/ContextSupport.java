package dev.sluice.internal;

import dev.sluice.Context;
import java.util.Objects;

/**
 * Module-internal access to {@link Context}: lets blocking operations in other packages be woken by a
 * cancellation without a timer (they park with the deadline themselves). Installed once by
 * {@code Context}'s static initializer; not exported.
 */
public final class ContextSupport {

    @FunctionalInterface
    public interface Bridge {
        Context.Registration onCancel(Context context, Runnable callback);
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
}
