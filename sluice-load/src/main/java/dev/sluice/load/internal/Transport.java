package dev.sluice.load.internal;

import dev.sluice.load.LoadPlan;

/**
 * Sends one request of a plan and blocks the calling (virtual) thread until it ends. Implementations are
 * thread-safe, never throw from {@link #exchange}, and bound their own threads and connections by the plan's
 * in-flight limit. {@link #close()} aborts whatever is still outstanding.
 */
public interface Transport extends AutoCloseable {

    /** Sends the plan's request as {@code clientId}; returns how it ended. */
    Exchange exchange(String clientId);

    @Override
    void close();

    /** Opens the transport for the plan: Jetty's HTTP/1.1 client (see {@code JettyTransport} for why). */
    static Transport open(LoadPlan plan) {
        return new JettyTransport(plan, false);
    }

    /** As {@link #open(LoadPlan)}; with {@code keepBodies} each answer carries its body's text. */
    static Transport open(LoadPlan plan, boolean keepBodies) {
        return new JettyTransport(plan, keepBodies);
    }
}
