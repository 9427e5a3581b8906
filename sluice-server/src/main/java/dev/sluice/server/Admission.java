package dev.sluice.server;

import jakarta.servlet.Filter;
import java.util.Objects;
import java.util.function.IntSupplier;

/**
 * The admission layer in front of {@code POST /jobs}: a servlet {@link Filter} that may answer a request
 * itself (429, 503, 413...) instead of passing it on, plus the two numbers the dashboard shows about it.
 * The server runs whatever filter it is given, so the same server can be measured behind sluice's
 * admission filter, behind another library's (Netflix concurrency-limits, for example), or behind none.
 * The server counts what every request finally got (its status code) outside the filter, so its
 * counters and the dashboard are right whichever filter answers.
 *
 * <pre>{@code
 * // the same server behind another library's servlet filter, for a side-by-side run
 * ServerConfig c = ServerConfig.builder().port(0)
 *         .admission((config, registry) -> Admission.of(otherFilter))
 *         .build();
 * }</pre>
 *
 * <p>The filter is mapped to {@code /jobs} only, behind the server's gate (drain refusal, outcome
 * counting, JSON errors); plain-text error answers it writes are turned into the API's JSON shape.
 *
 * @param filter   the filter; initialised and destroyed by the server's servlet container
 * @param limit    the current concurrency limit it enforces (fixed or adaptive), or -1 if it has none
 * @param inflight how many requests it has admitted and not yet seen finish, or -1 if it does not know
 */
public record Admission(Filter filter, IntSupplier limit, IntSupplier inflight) {

    public Admission {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(limit, "limit");
        Objects.requireNonNull(inflight, "inflight");
    }

    /** A filter whose limit the server cannot read. */
    public static Admission of(Filter filter) {
        return new Admission(filter, () -> -1, () -> -1);
    }

    /** Builds the admission layer once the server knows its configuration and metrics registry. */
    @FunctionalInterface
    public interface Factory {
        Admission create(ServerConfig config, io.micrometer.core.instrument.MeterRegistry registry);
    }
}
