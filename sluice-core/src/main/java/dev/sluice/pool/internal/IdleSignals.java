package dev.sluice.pool.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The pool's wake-up words on a cache line of their own. Workers write them at every take and every idle
 * transition; the pool's other fields (the shutdown and abort flags, the queue, the sizes) are read by
 * every submit and every job but almost never written, so keeping the two apart lets those stay cached on
 * every core. Superclass fields are laid out first, so the padding in {@link IdleSignalsPadBefore} and
 * here surrounds the words.
 */
final class IdleSignals extends IdleSignalsWords {
    long q0, q1, q2, q3, q4, q5, q6, q7;
}

abstract class IdleSignalsWords extends IdleSignalsPadBefore {
    static final VarHandle SPINNING;
    static final VarHandle SEARCHING;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            SPINNING = l.findVarHandle(IdleSignalsWords.class, "spinning", int.class);
            SEARCHING = l.findVarHandle(IdleSignalsWords.class, "searching", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** 1 while a worker spins waiting for work; at most one does. */
    volatile int spinning;
    /**
     * Workers looking for work that are bound to take from the queue (under its lock) before they run a
     * job or park: those between two batches, the spinner included. While one is, a submit need not wake
     * an idle worker (see "Searching workers" in WorkerPoolImpl). Changed with atomic adds.
     */
    volatile int searching;
    /** The size of the pool's idle stack, for lock-free reads; written under the pool's idle lock. */
    volatile int idleCount;
}

abstract class IdleSignalsPadBefore {
    int pGap; // fills the hole after the object header, so that the words cannot land in it
    long p0, p1, p2, p3, p4, p5, p6, p7;
}
