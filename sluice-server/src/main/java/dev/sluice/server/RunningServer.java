package dev.sluice.server;

import dev.sluice.server.job.DrainSummary;
import java.net.URI;
import java.time.Duration;

/**
 * A started job server. {@link #drain(Duration)} is the graceful stop (the same as SIGTERM):
 * new submissions get 503 and {@code /readyz} 503, every accepted job finishes (within the grace
 * period), answers still being written are let out, then Jetty stops. {@link #close()} drains with the
 * configured grace. Both may be called more than once and from any thread; later calls return the first
 * drain's summary.
 */
public interface RunningServer extends AutoCloseable {

    /** The port actually bound (useful with port 0). */
    int port();

    /** {@code http://host:port}, without a trailing slash. */
    URI uri();

    ServerConfig config();

    /** True once a drain has begun. */
    boolean isDraining();

    /** In a fleet ({@code --redis}): this instance's name in it; empty for a server on its own. */
    default java.util.Optional<String> fleetInstance() {
        return java.util.Optional.empty();
    }

    /** In a fleet, after the drain: one line on what this instance did for the fleet; empty otherwise. */
    default java.util.Optional<String> fleetSummary() {
        return java.util.Optional.empty();
    }

    /** Drains and stops; see the class comment. */
    DrainSummary drain(Duration grace);

    /** {@link #drain(Duration) drain} with the configured grace period. */
    @Override
    void close();
}
