package dev.sluice.http;

import dev.sluice.Context;
import dev.sluice.http.internal.AdmissionCore;
import dev.sluice.http.internal.BufferedServletRequest;
import dev.sluice.http.internal.Rejection;
import dev.sluice.http.internal.Ticket;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The Jakarta Servlet form of an {@link AdmissionControl}: see that class for what it checks and answers.
 * Map it to {@code /*} for the {@code REQUEST} dispatcher type, first in the chain, and register it
 * {@code asyncSupported} if a servlet behind it calls {@code startAsync} (the slot is then held until the
 * async cycle completes). Re-dispatches of a request (async, error, forward, include) pass through
 * untouched. Any number of filters may share one {@code AdmissionControl}, and so its limits.
 *
 * <p>{@code new AdmissionFilter(admission)} and {@link AdmissionControl#servletFilter()} are the same.
 * Prefer the constructor in applications that have no Jetty on the class path and let a framework
 * introspect their objects (Spring does): reflection over {@code AdmissionControl}'s methods needs both
 * server APIs, this class needs only the servlet API.
 *
 * <p>Thread-safe; {@link #init} and {@link #destroy} do nothing (the limits belong to the
 * {@code AdmissionControl}).
 */
@SuppressWarnings("exports") // the servlet API is optional: see module-info
public final class AdmissionFilter implements Filter {

    private static final String CONTEXT_ATTRIBUTE = AdmissionControl.CONTEXT_ATTRIBUTE;

    private final AdmissionCore core;
    private final String contextAttribute = CONTEXT_ATTRIBUTE;

    /** A filter applying {@code admission}'s limits. */
    public AdmissionFilter(AdmissionControl admission) {
        this.core = admission.core();
    }

    /** Declared as {@link Filter} so that {@code AdmissionControl}'s verifier never loads the servlet API. */
    static Filter create(AdmissionControl admission) {
        return new AdmissionFilter(admission);
    }

    /**
     * The {@link Context} of a request this filter admitted: the request's deadline, if it had one;
     * {@link Context#background()} if it did not pass through admission control. Same as
     * {@link AdmissionControl#context(ServletRequest)}.
     */
    public static Context context(ServletRequest request) {
        return request.getAttribute(CONTEXT_ATTRIBUTE) instanceof Context c ? c : Context.background();
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)
                || req.getDispatcherType() != DispatcherType.REQUEST || req.getAttribute(contextAttribute) != null) {
            // Async, error and forward dispatches belong to a request already admitted (or refused).
            chain.doFilter(req, res);
            return;
        }
        String clientHeader = core.clientKeyHeader();
        long length = request.getContentLengthLong();
        boolean body = AdmissionCore.hasBody(length, request.getHeader("Transfer-Encoding") != null, request.getMethod());
        Ticket ticket = core.begin(path(request), request.getHeader("X-Request-Deadline"),
                request.getHeader("Request-Timeout"), clientHeader == null ? null : request.getHeader(clientHeader),
                request.getRemoteAddr(), length, body);
        if (ticket.rejection() != null) {
            reject(response, ticket.rejection());
            return;
        }
        HttpServletRequest downstream = request;
        if (body) {
            byte[] bytes = core.readBody(ticket, request.getInputStream(), length);
            if (bytes == null) {
                reject(response, ticket.rejection());
                return;
            }
            downstream = new BufferedServletRequest(request, bytes);
        }
        if (!core.acquire(ticket)) {
            reject(response, ticket.rejection());
            return;
        }
        request.setAttribute(contextAttribute, ticket.context());
        boolean async = false;
        AdmissionCore.Outcome outcome = AdmissionCore.Outcome.FAILED;
        try {
            chain.doFilter(downstream, response);
            if (request.isAsyncStarted()) {
                // Safe from a race with complete() on another thread: the servlet specification delays
                // completion (and onComplete) until this container dispatch has returned.
                async = true;
                request.getAsyncContext().addListener(new Release(ticket, response));
            }
            outcome = outcomeOf(response.getStatus());
        } finally {
            if (!async) {
                core.release(ticket, outcome);
            }
        }
    }

    private static AdmissionCore.Outcome outcomeOf(int status) {
        return status == 503 || status == 429 ? AdmissionCore.Outcome.DROPPED : AdmissionCore.Outcome.SUCCESS;
    }

    private static String path(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String ctx = request.getContextPath();
        return ctx != null && !ctx.isEmpty() && uri.startsWith(ctx) ? uri.substring(ctx.length()) : uri;
    }

    private static void reject(HttpServletResponse response, Rejection r) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.resetBuffer();
        response.setStatus(r.status());
        if (r.retryAfterSeconds() > 0) {
            response.setHeader("Retry-After", Long.toString(r.retryAfterSeconds()));
        }
        if (r.closeConnection()) {
            response.setHeader("Connection", "close");
        }
        byte[] body = (r.message() + "\n").getBytes(StandardCharsets.UTF_8);
        response.setContentType("text/plain;charset=utf-8");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        response.flushBuffer();
    }

    /** Releases the slot of an asynchronous request when it completes, fails or times out. */
    private final class Release implements AsyncListener {
        private final Ticket ticket;
        private final HttpServletResponse response;
        private volatile boolean failed;

        Release(Ticket ticket, HttpServletResponse response) {
            this.ticket = ticket;
            this.response = response;
        }

        @Override
        public void onComplete(AsyncEvent event) {
            core.release(ticket, failed ? AdmissionCore.Outcome.FAILED : outcomeOf(response.getStatus()));
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            failed = true;
        }

        @Override
        public void onError(AsyncEvent event) {
            failed = true;
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this); // a new cycle: keep listening
        }
    }
}
