package dev.sluice.http.internal;

import dev.sluice.CancellableContext;
import dev.sluice.Context;
import dev.sluice.limit.Permit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One request's passage through admission control: where it goes, its context, and, once admitted, its
 * permit. Either {@link #rejection()} is set or the request may go on. Released at most once, from any
 * thread (the servlet thread, an async listener, a Jetty callback).
 */
public final class Ticket {

    private static final VarHandle RELEASED;

    static {
        try {
            RELEASED = MethodHandles.lookup().findVarHandle(Ticket.class, "released", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final RouteGate gate;
    final Context context;
    Rejection rejection;
    Permit permit;
    long admittedAtNanos;
    @SuppressWarnings("unused") // through RELEASED
    private volatile boolean released;

    Ticket(RouteGate gate, Context context, Rejection rejection) {
        this.gate = gate;
        this.context = context;
        this.rejection = rejection;
    }

    /** The answer to give instead of running the request, or null if it may go on. */
    public Rejection rejection() {
        return rejection;
    }

    /** The request's context (null only for requests rejected before one was made). */
    public Context context() {
        return context;
    }

    /** Cancels the context if it is cancellable (the builder's cancelContextAtEnd option). */
    void cancelContext() {
        if (context instanceof CancellableContext c) {
            c.cancel();
        }
    }

    /** The route class the request belongs to. */
    public String routeClass() {
        return gate.name;
    }

    boolean markReleased() {
        return RELEASED.compareAndSet(this, false, true);
    }
}
