package dev.sluice.channel.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The shared decision of one blocked select: {@code null} while it waits, then either the {@link Waiter}
 * whose clause won or {@link #GAVE_UP}. Set once, by CAS, so exactly one clause can complete the select
 * even when counterparts on different channels (under different locks) race for it.
 */
final class SelectState {

    static final Object GAVE_UP = new Object();

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(SelectState.class, "state", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Thread thread;
    private volatile Object state;

    SelectState(Thread thread) {
        this.thread = thread;
    }

    boolean tryWin(Waiter w) {
        return STATE.compareAndSet(this, null, w);
    }

    boolean tryGiveUp() {
        return STATE.compareAndSet(this, null, GAVE_UP);
    }

    Object state() {
        return state;
    }
}
