package dev.sluice.server.http;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.util.List;

/** Several filters run in order as one, so an admission layer can be one {@link Filter} however it is made. */
public final class FilterSequence implements Filter {

    private final List<Filter> filters;
    private final Runnable onDestroy;

    /** @param onDestroy run after every filter's {@code destroy}, when the container stops */
    public FilterSequence(List<Filter> filters, Runnable onDestroy) {
        this.filters = List.copyOf(filters);
        this.onDestroy = onDestroy;
    }

    @Override
    public void init(FilterConfig config) throws ServletException {
        for (Filter f : filters) {
            f.init(config);
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        run(0, request, response, chain);
    }

    private void run(int i, ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (i == filters.size()) {
            chain.doFilter(request, response);
        } else {
            filters.get(i).doFilter(request, response, (rq, rs) -> run(i + 1, rq, rs, chain));
        }
    }

    @Override
    public void destroy() {
        for (Filter f : filters) {
            f.destroy();
        }
        onDestroy.run();
    }
}
