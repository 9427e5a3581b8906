package dev.sluice.limit.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The limiter's in-flight count on a cache line of its own. Every acquire and release writes it; the
 * limiter's other fields (limit, waiting count, closed flag) are read on every acquire but rarely
 * written, so keeping them off this line lets them stay cached on every core. Superclass fields are laid
 * out first, so the padding in {@link InflightPadBefore} and here surrounds the count.
 */
abstract class InflightCounter extends InflightValue {
    long q0, q1, q2, q3, q4, q5, q6, q7;
}

abstract class InflightValue extends InflightPadBefore {
    static final VarHandle INFLIGHT;

    static {
        try {
            INFLIGHT = MethodHandles.lookup().findVarHandle(InflightValue.class, "inflight", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Units held; changed only by CAS (admission) and getAndAdd (release). */
    volatile int inflight;
}

abstract class InflightPadBefore {
    int pGap; // fills the hole after the object header, so that `inflight` cannot land in it
    long p0, p1, p2, p3, p4, p5, p6, p7;
}
