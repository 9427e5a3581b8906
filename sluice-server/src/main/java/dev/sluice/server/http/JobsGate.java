package dev.sluice.server.http;

import dev.sluice.server.stats.LiveStats;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The outermost filter on {@code /jobs}, in front of whatever admission filter is configured: refuses
 * every request with 503 once the server drains, counts how each request was finally answered (so the
 * counters are right whichever filter answered), turns plain-text refusals from the admission filter
 * into the API's JSON errors, stamps the arrival time (the wait budget runs from it), and counts the
 * requests in progress so that a drain can wait for their answers to be written.
 */
public final class JobsGate implements Filter {

    /** The request attribute holding {@code System.nanoTime()} at arrival, so later waits share one budget. */
    public static final String ARRIVAL_NANOS = "dev.sluice.server.arrivalNanos";

    private final BooleanSupplier draining;
    private final LiveStats stats;
    private final AtomicInteger active = new AtomicInteger();

    public JobsGate(BooleanSupplier draining, LiveStats stats) {
        this.draining = draining;
        this.stats = stats;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse resp = (HttpServletResponse) response;
        if (!"POST".equals(req.getMethod())) {
            chain.doFilter(request, response); // not a submission: 405 from the servlet, not counted
            return;
        }
        active.incrementAndGet();
        req.setAttribute(ARRIVAL_NANOS, System.nanoTime());
        try {
            if (draining.getAsBoolean()) {
                Responses.refuse(resp, 503, 1, "the server is draining: it accepts no new jobs");
            } else {
                JsonErrors wrapped = new JsonErrors(resp);
                chain.doFilter(request, wrapped);
                wrapped.finish();
            }
        } finally {
            active.decrementAndGet();
            stats.count(switch (resp.getStatus()) {
                case 200, 202 -> LiveStats.Outcome.ADMITTED;
                case 429 -> LiveStats.Outcome.RATE_LIMITED;
                case 503 -> LiveStats.Outcome.UNAVAILABLE;
                case 400, 408, 413 -> LiveStats.Outcome.BAD_REQUEST;
                default -> LiveStats.Outcome.OTHER;
            });
        }
    }

    /** {@code POST /jobs} requests in progress. */
    public int active() {
        return active.get();
    }
}
