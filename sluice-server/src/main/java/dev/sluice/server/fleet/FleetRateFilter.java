package dev.sluice.server.fleet;

import dev.sluice.server.Rate;
import dev.sluice.server.http.Responses;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * The fleet-wide token bucket on {@code POST /jobs} ({@code --rate} with {@code --redis}): the rate is
 * the whole fleet's, not each instance's. Empty: 429 with a {@code Retry-After} of when the next token
 * comes; Redis unreachable: 503 (fail closed) with {@code Retry-After: 1}. One round trip, bounded by the
 * command timeout; never waits for tokens.
 */
public final class FleetRateFilter implements Filter {

    private final FleetBuckets buckets;
    private final Rate rate;

    public FleetRateFilter(FleetBuckets buckets, Rate rate) {
        this.buckets = buckets;
        this.rate = rate;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if ("POST".equals(((HttpServletRequest) request).getMethod())) {
            switch (buckets.tryTake("global", rate)) {
                case FleetBuckets.Outcome.Taken t -> { }
                case FleetBuckets.Outcome.Empty e -> {
                    Responses.refuse((HttpServletResponse) response, 429,
                            Math.max(1, (e.retryNanos() + 999_999_999L) / 1_000_000_000L), "the fleet is over its rate limit");
                    return;
                }
                case FleetBuckets.Outcome.Unavailable u -> {
                    Responses.refuse((HttpServletResponse) response, 503, 1, u.message() + ": refusing (fail closed)");
                    return;
                }
            }
        }
        chain.doFilter(request, response);
    }
}
