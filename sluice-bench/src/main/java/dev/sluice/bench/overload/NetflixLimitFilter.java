package dev.sluice.bench.overload;

import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;

/**
 * Netflix concurrency-limits in front of the job server, for the side-by-side overload run only. It does
 * what that project's servlet filter ({@code ConcurrencyLimitServletFilter}) does: ask the limiter for a
 * slot without waiting; none free means {@code 429} at once; otherwise pass the request on and report
 * the outcome to the limiter (success when the chain returns, ignore when it throws), which adapts its
 * limit (Vegas, the library's default) to the latency it sees.
 *
 * <p>The servlet module itself ({@code concurrency-limits-servlet-jakarta}) is not served by this
 * machine's Maven registry (only {@code concurrency-limits-core} is), so this is the same few lines
 * written against the core limiter.
 */
final class NetflixLimitFilter implements Filter {

    private final SimpleLimiter<HttpServletRequest> limiter;

    NetflixLimitFilter(SimpleLimiter<HttpServletRequest> limiter) {
        this.limiter = limiter;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        Optional<Limiter.Listener> slot = limiter.acquire((HttpServletRequest) request);
        if (slot.isEmpty()) {
            HttpServletResponse resp = (HttpServletResponse) response;
            resp.setStatus(429);
            resp.setContentType("application/json");
            resp.getOutputStream().write("{\"error\":\"concurrency limit reached\"}".getBytes());
            return;
        }
        Limiter.Listener listener = slot.get();
        try {
            chain.doFilter(request, response);
            listener.onSuccess();
        } catch (IOException | ServletException | RuntimeException e) {
            listener.onIgnore();
            throw e;
        }
    }
}
