package dev.sluice.server.http;

import dev.sluice.limit.KeyedLimiter;
import dev.sluice.limit.Permit;
import dev.sluice.limit.TokenBucket;
import dev.sluice.server.Rate;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * The server's built-in rate limits on {@code POST /jobs}: a global token bucket and a per-client one
 * (keyed by a header, else the remote address; at most {@code maxClients} keys, idle ones forgotten),
 * each answering 429 with a {@code Retry-After} of when its next token comes. A request takes its
 * client's token first, so a client over its own rate does not spend the global budget. Never blocks.
 */
public final class RateLimitFilter implements Filter {

    private final Optional<TokenBucket> global;
    private final Optional<KeyedLimiter<String>> perClient;
    private final String clientHeader;

    public RateLimitFilter(Optional<Rate> global, Optional<Rate> perClient, String clientHeader, int maxClients) {
        this.global = global.map(r -> TokenBucket.builder().rate(r.permits(), r.period()).burst(r.permits()).build());
        this.perClient = perClient.map(r -> KeyedLimiter.<String>builder().maxKeys(maxClients)
                .idleTimeout(Duration.ofMinutes(1)).tokenBucket(r.permits(), r.period(), r.permits()).build());
        this.clientHeader = clientHeader;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse resp = (HttpServletResponse) response;
        if (!"POST".equals(req.getMethod())) {
            chain.doFilter(request, response);
            return;
        }
        if (perClient.isPresent()) {
            String key = clientKey(req);
            Permit p = perClient.get().tryAcquire(key);
            if (p == null) {
                long nanos = perClient.get().nanosUntilAvailable(key, 1);
                Responses.refuse(resp, 429, seconds(nanos), "client '" + key + "' is over its rate limit");
                return;
            }
            p.close();
        }
        if (global.isPresent() && !global.get().tryAcquire()) {
            Responses.refuse(resp, 429, seconds(global.get().nanosUntilAvailable(1)), "the server is over its rate limit");
            return;
        }
        chain.doFilter(request, response);
    }

    private String clientKey(HttpServletRequest req) {
        String h = req.getHeader(clientHeader);
        if (h != null && !h.isBlank()) {
            return h.length() > 128 ? h.substring(0, 128) : h;
        }
        return req.getRemoteAddr();
    }

    private static long seconds(long nanos) {
        return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }
}
