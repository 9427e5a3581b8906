package dev.sluice.limit;

import dev.sluice.Context;
import java.util.Objects;
import java.util.function.IntConsumer;

/** A {@link Limit} that never changes; samples are ignored. */
public final class FixedLimit implements Limit {

    private final int limit;

    private FixedLimit(int limit) {
        this.limit = limit;
    }

    /**
     * A limit of {@code limit} units.
     *
     * @throws IllegalArgumentException if {@code limit} is less than 1
     */
    public static FixedLimit of(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        return new FixedLimit(limit);
    }

    @Override
    public int currentLimit() {
        return limit;
    }

    /** Validates the arguments and otherwise does nothing. */
    @Override
    public void onSample(long startNanos, long rttNanos, int inflight, boolean dropped) {
        LimitSupport.checkSample(rttNanos, inflight);
    }

    /** The limit never changes, so the listener is never called; the registration holds nothing. */
    @Override
    public Context.Registration onChange(IntConsumer listener) {
        Objects.requireNonNull(listener, "listener");
        return Context.Registration.NONE;
    }

    @Override
    public String toString() {
        return "FixedLimit[" + limit + "]";
    }
}
