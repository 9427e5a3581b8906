package dev.sluice.server.http;

import dev.sluice.limit.TokenBucket;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * The server-wide token bucket on {@code POST /jobs} ({@code --rate}): a request that finds it empty gets
 * 429 with a {@code Retry-After} of when the next token comes. It runs after the per-client bucket, so a
 * client over its own rate does not spend the server's. Never blocks.
 */
public final class GlobalRateFilter implements Filter {

    private final TokenBucket bucket;

    public GlobalRateFilter(TokenBucket bucket) {
        this.bucket = bucket;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if ("POST".equals(((HttpServletRequest) request).getMethod()) && !bucket.tryAcquire()) {
            long nanos = bucket.nanosUntilAvailable(1);
            Responses.refuse((HttpServletResponse) response, 429, Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L),
                    "the server is over its rate limit");
            return;
        }
        chain.doFilter(request, response);
    }
}
