package dev.sluice.pipeline.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Counters of one stage thread. Each meter has a single writer (its thread), so updates are plain
 * read-modify-write published with opaque stores: readers ({@code stats()}) see a recent value without
 * the stage paying for a fence per item.
 */
final class Meter {
    private static final VarHandle IN;
    private static final VarHandle OUT;
    private static final VarHandle BLOCKED_IN;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            IN = l.findVarHandle(Meter.class, "in", long.class);
            OUT = l.findVarHandle(Meter.class, "out", long.class);
            BLOCKED_IN = l.findVarHandle(Meter.class, "blockedIn", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** True if this thread reads the stage's input link (blocked-on-input time is normalised by readers). */
    final boolean reader;
    private long in;
    private long out;
    private long blockedIn;

    Meter(boolean reader) {
        this.reader = reader;
    }

    void countIn() {
        IN.setOpaque(this, in + 1);
    }

    void countOut() {
        OUT.setOpaque(this, out + 1);
    }

    void addBlockedIn(long nanos) {
        BLOCKED_IN.setOpaque(this, blockedIn + nanos);
    }

    long in() {
        return (long) IN.getOpaque(this);
    }

    long out() {
        return (long) OUT.getOpaque(this);
    }

    long blockedIn() {
        return (long) BLOCKED_IN.getOpaque(this);
    }
}
