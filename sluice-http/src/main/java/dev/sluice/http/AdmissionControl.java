package dev.sluice.http;

import dev.sluice.Context;
import dev.sluice.http.internal.AdmissionCore;
import dev.sluice.http.internal.RouteGate;
import dev.sluice.http.internal.Settings;
import dev.sluice.limit.ConcurrencyLimiter;
import dev.sluice.limit.Discipline;
import dev.sluice.limit.FixedLimit;
import dev.sluice.limit.KeyedLimiter;
import dev.sluice.limit.Limit;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Admission control for an HTTP server: decides, before any application code runs, whether a request is
 * served now, after a short wait, or refused with a status and a {@code Retry-After} that tell the client
 * what happened. One instance, built with {@link #builder()}, holds the limits and the counters; it is
 * installed as a Jakarta Servlet filter ({@link #servletFilter()}, for Jetty, Tomcat, Undertow or Spring
 * Boot) or as a native Jetty 12 handler ({@link #jettyHandler()}); the same objects are made by
 * {@code new }{@link AdmissionFilter}{@code (admission)} and {@code new }{@link AdmissionHandler}{@code (admission, next)}.
 * Both forms share one decision core, so they answer alike, and several of them may share one instance
 * (and so its limits). The servlet API and Jetty are optional: either alone is enough at run time. But
 * reflection over all of this class's methods (as frameworks such as Spring do to the objects they
 * manage) needs both, so where only one is present and a framework introspects your objects, use the
 * {@code AdmissionFilter} or {@code AdmissionHandler} constructor and their static {@code context}
 * methods.
 *
 * <pre>{@code
 * AdmissionControl admission = AdmissionControl.builder()
 *         .limit(AimdLimit.builder().initialLimit(32).maxLimit(256).build())
 *         .waitBudget(Duration.ofMillis(50))
 *         .routeClass("upload", "/upload", 4, Duration.ZERO)
 *         .perClientRate(50, Duration.ofSeconds(1), 50).clientKeyHeader("X-Client-Id")
 *         .maxBodyBytes(256 * 1024).bodyReadBudget(Duration.ofSeconds(2))
 *         .build();
 * servletContext.addFilter("admission", admission.servletFilter());   // any servlet container
 * server.setHandler(admission.jettyHandler(appHandler));                // or natively on Jetty 12
 *
 * // In the application: the request's deadline, for everything it calls.
 * Context ctx = AdmissionControl.context(httpServletRequest);
 * }</pre>
 *
 * <p><b>What a request goes through</b>, in this order (each check is cheaper and commits less of the
 * server than the next):
 * <table class="striped">
 * <caption>Admission steps and their answers</caption>
 * <thead><tr><th>Step</th><th>Refused with</th><th>Retry-After</th></tr></thead>
 * <tbody>
 * <tr><td>A malformed {@code X-Request-Deadline} or {@code Request-Timeout} header, or a client-key header
 *     over 256 characters</td><td>{@code 400}, with the reason</td><td>none</td></tr>
 * <tr><td>A declared {@code Content-Length} over {@link Builder#maxBodyBytes}: refused before a byte of
 *     the body is read; the connection is closed</td><td>{@code 413}</td><td>none</td></tr>
 * <tr><td>The request's deadline has already passed: the work is not started</td><td>{@code 504}</td><td>none</td></tr>
 * <tr><td>The client's token bucket is empty ({@link Builder#perClientRate})</td><td>{@code 429}</td>
 *     <td>when the bucket will hold a token again, whole seconds rounded up, at least 1</td></tr>
 * <tr><td>The body is read, up to the cap and within {@link Builder#bodyReadBudget}: a chunked body that
 *     grows over the cap gets {@code 413}, one that is too slow {@code 408}; the connection is closed</td>
 *     <td>{@code 413} / {@code 408}</td><td>none</td></tr>
 * <tr><td>A concurrency slot in the request's route class, waiting at most that class's wait budget (and
 *     never past the request's deadline, which gives {@code 504})</td><td>{@code 503}</td><td>the
 *     class's drain estimate: {@code (waiting + 1) x serviceTime / limit}, where serviceTime is a moving
 *     average of how long admitted requests held their slot; whole seconds rounded up, 1 to 300</td></tr>
 * </tbody>
 * </table>
 * A {@code 504} is chosen for an expired deadline (rather than 503) because it is not overload: retrying
 * with the same deadline cannot succeed, so no {@code Retry-After} is sent.
 *
 * <p><b>Slow senders.</b> The body is read completely, under the cap and the read budget, <em>before</em>
 * a concurrency slot is taken, and handed to the application from memory. So a slow client (slowloris)
 * never holds a slot: slots are held only by requests whose input is complete. It does hold a server
 * thread while it sends. The read budget is checked after each read returns, so a client that trickles
 * gets {@code 408} once the budget is spent. A client that stops sending altogether is cut off at the
 * budget by the Jetty handler (a timer on Jetty's scheduler fails the request's content); the servlet
 * filter has no portable way to interrupt a blocked read, so there the server's idle timeout ends it
 * (set the connector's idle timeout close to the read budget). Buffering costs up to {@code maxBodyBytes} of heap per request being read, which
 * the server's thread pool bounds. Because the servlet container no longer sees the body, form parameters
 * of {@code application/x-www-form-urlencoded} bodies are not available through {@code getParameter}.
 *
 * <p><b>Route classes</b> (bulkheads): each {@link Builder#routeClass} has its own limiter and wait budget;
 * a request goes to the first class whose path predicate matches its path (without the context path), or
 * to the default class configured by {@link Builder#limit} and {@link Builder#waitBudget}. Slow uploads
 * then fill their own class and never take the slots of other work.
 *
 * <p><b>Deadlines.</b> {@code Request-Timeout} is relative: a whole number followed by {@code ms} or
 * {@code s}, or plain milliseconds ({@code 250ms}, {@code 2s}, {@code 1500}), at most 24 hours.
 * {@code X-Request-Deadline} is absolute: epoch milliseconds or an RFC 3339 timestamp with an offset
 * ({@code 2026-12-01T07:00:00.250Z}), read against {@link Builder#wallClock}. The request's
 * {@link Context} ends at the earliest of the two and of {@link Builder#serverBudget}; the application gets
 * it with {@link #context(jakarta.servlet.ServletRequest)} (servlets) or {@link #jettyContext} (Jetty
 * handlers), both reading the request attribute {@link #CONTEXT_ATTRIBUTE}. With
 * {@link Builder#cancelContextAtEnd} the context is also cancelled when the request's slot is released, so
 * work started for the request notices it is over.
 *
 * <p><b>Releasing.</b> The slot is released exactly once when the request ends: when the filter chain
 * returns, when it throws, or, for an asynchronous servlet request ({@code startAsync}), when the async
 * cycle completes, fails or times out (install the filter with {@code asyncSupported=true}); for the Jetty
 * handler, when the handler's callback is completed or failed, or when it throws or declines the request.
 * A downstream answer of {@code 503} or {@code 429} is reported to an adaptive limit as a drop; a
 * downstream exception is counted as {@code failed} and reported as neither.
 *
 * <p><b>Counting.</b> {@link #stats()} counts every admit, wait, rejection of each kind and timeout, and
 * the time spent waiting; {@link #routeClassStats()} gives each class's limit, use and service time.
 *
 * <p>Thread-safe. The admission fast path (no wait) is a few counter increments and one compare-and-set
 * on the class's limiter; waiting uses the limiter's {@link Context}-aware acquire, so virtual threads
 * unmount. Memory consistency effects: actions of a request before its slot is released happen-before
 * actions of a request admitted with that slot after waiting.
 */
@SuppressWarnings("exports") // the servlet API and Jetty are optional: see module-info
public final class AdmissionControl implements AutoCloseable {

    /*
     * Servlet API and Jetty are both optional at run time (a Tomcat application has no Jetty, a plain Jetty
     * handler application may have no servlet API). So this class never names a type of either in a way
     * the verifier must resolve: the filter and handler are made by factories in the internal package
     * whose declared return types are exactly this class's return types.
     */

    /** The request attribute holding the request's {@link Context} once it is admitted. */
    public static final String CONTEXT_ATTRIBUTE = "dev.sluice.Context";

    /** The name of the route class for requests that match no other. */
    public static final String DEFAULT_ROUTE_CLASS = "default";

    private final AdmissionCore core;
    private final String name;

    private AdmissionControl(String name, AdmissionCore core) {
        this.name = name;
        this.core = core;
    }

    /** A builder with a fixed limit of 64, a wait budget of 50 ms, no per-client rate and a 1 MiB body cap. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A Jakarta Servlet filter applying this admission control. Map it to {@code /*} for the
     * {@code REQUEST} dispatcher type, first in the chain; register it {@code asyncSupported} if any
     * servlet behind it uses {@code startAsync}. Re-dispatches of an admitted request (async, error,
     * forward) pass through untouched. Each call returns a new filter sharing this instance's limits.
     * Same as {@code new AdmissionFilter(this)}.
     */
    public jakarta.servlet.Filter servletFilter() {
        return AdmissionFilter.create(this);
    }

    /**
     * A native Jetty 12 handler applying this admission control in front of a handler set later with
     * {@code setHandler}. Each call returns a new handler sharing this instance's limits. Same as
     * {@code new AdmissionHandler(this)}.
     */
    public org.eclipse.jetty.server.Handler.Wrapper jettyHandler() {
        return AdmissionHandler.create(this, null);
    }

    /** A native Jetty 12 handler applying this admission control in front of {@code next}. */
    public org.eclipse.jetty.server.Handler.Wrapper jettyHandler(org.eclipse.jetty.server.Handler next) {
        return AdmissionHandler.create(this, Objects.requireNonNull(next, "next"));
    }

    /**
     * The {@link Context} of a request admitted by a filter or handler of any {@code AdmissionControl}: it
     * carries the request's deadline (and, with {@link Builder#cancelContextAtEnd}, is cancelled when the
     * request ends). {@link Context#background()}
     * if the request did not pass through admission control.
     */
    public static Context context(jakarta.servlet.ServletRequest request) {
        return request.getAttribute(CONTEXT_ATTRIBUTE) instanceof Context c ? c : Context.background();
    }

    /** {@link #context(jakarta.servlet.ServletRequest)} for a native Jetty 12 request. */
    public static Context jettyContext(org.eclipse.jetty.server.Request request) {
        return request.getAttribute(CONTEXT_ATTRIBUTE) instanceof Context c ? c : Context.background();
    }

    AdmissionCore core() {
        return core;
    }

    /** A snapshot of the counters. */
    public AdmissionStats stats() {
        return core.stats();
    }

    /** A snapshot of each route class, in match order, the default class last. */
    public List<RouteClassStats> routeClassStats() {
        return core.routeClassStats();
    }

    /** The per-client limiter (for its {@code size()} and {@code evictions()}), or null if none is configured. */
    public KeyedLimiter<String> clientLimiter() {
        return core.clients();
    }

    /** This instance's name (for metrics). */
    public String name() {
        return name;
    }

    /**
     * Stops admitting: every later request, and every request waiting for a slot, gets {@code 503}.
     * Requests already admitted finish normally. Idempotent.
     */
    @Override
    public void close() {
        core.close();
    }

    /** Builds an {@link AdmissionControl}. Not thread-safe; fails fast on bad values. */
    public static final class Builder {
        private record RouteSpec(String name, Predicate<String> matcher, Limit limit, Duration waitBudget) { }

        private String name = "http";
        private Limit limit = FixedLimit.of(64);
        private Duration waitBudget = Duration.ofMillis(50);
        private int maxWaiters = 256;
        private Discipline discipline = Discipline.FIFO;
        private Duration targetQueueDelay;
        private final List<RouteSpec> routes = new ArrayList<>();
        private long rateTokens;
        private Duration ratePeriod;
        private long rateBurst;
        private String clientKeyHeader;
        private KeyedLimiter<String> clientLimiter;
        private int maxClientKeys = 10_000;
        private long maxBodyBytes = 1L << 20;
        private Duration readBudget = Duration.ofSeconds(5);
        private Duration serverBudget;
        private InstantSource wallClock = InstantSource.system();
        private boolean cancelAtEnd;

        private Builder() { }

        /** A name for metrics and messages (default {@code "http"}). */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** A fixed concurrency limit for the default route class (default 64). */
        public Builder limit(int limit) {
            this.limit = FixedLimit.of(limit);
            return this;
        }

        /** An adaptive (or fixed) concurrency limit for the default route class, e.g. an {@code AimdLimit}. */
        public Builder limit(Limit limit) {
            this.limit = Objects.requireNonNull(limit, "limit");
            return this;
        }

        /** How long a request of the default class may wait for a slot (default 50 ms; zero: never wait). */
        public Builder waitBudget(Duration budget) {
            this.waitBudget = nonNegative(budget, "waitBudget");
            return this;
        }

        /** The most requests waiting for a slot at once, per route class (default 256); more get 503 at once. */
        public Builder maxWaiters(int maxWaiters) {
            if (maxWaiters < 0) {
                throw new IllegalArgumentException("maxWaiters must not be negative, was " + maxWaiters);
            }
            this.maxWaiters = maxWaiters;
            return this;
        }

        /**
         * The order in which waiting requests get a slot, in every route class (default
         * {@link Discipline#FIFO}). Under {@link Discipline#LIFO_CODEL} the newest waiter is served first, and
         * while a standing queue exists a waiter that has queued longer than {@link #targetQueueDelay} gets
         * {@code 503} at once instead of at the end of its wait budget: under overload, admitted requests
         * then wait little and refused ones learn it early, rather than every request waiting about the whole
         * budget. No request waits longer than its class's wait budget in either order.
         */
        public Builder discipline(Discipline discipline) {
            this.discipline = Objects.requireNonNull(discipline, "discipline");
            return this;
        }

        /**
         * For {@link Discipline#LIFO_CODEL}: the queueing delay above which a waiter is shed while a queue
         * stands (default a tenth of each route class's wait budget, at least 1 ms).
         */
        public Builder targetQueueDelay(Duration target) {
            Objects.requireNonNull(target, "target");
            if (target.isNegative() || target.isZero()) {
                throw new IllegalArgumentException("targetQueueDelay must be positive, was " + target);
            }
            this.targetQueueDelay = target;
            return this;
        }

        /**
         * A route class whose paths start with {@code pathPrefix}, with its own fixed limit and wait budget.
         *
         * @throws IllegalArgumentException if the name is taken or {@code "default"}, or a value is out of range
         */
        public Builder routeClass(String name, String pathPrefix, int limit, Duration waitBudget) {
            Objects.requireNonNull(pathPrefix, "pathPrefix");
            return routeClass(name, path -> path.startsWith(pathPrefix), FixedLimit.of(limit), waitBudget);
        }

        /** A route class for the paths {@code pathMatcher} accepts, with its own limit and wait budget. */
        public Builder routeClass(String name, Predicate<String> pathMatcher, Limit limit, Duration waitBudget) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(pathMatcher, "pathMatcher");
            Objects.requireNonNull(limit, "limit");
            nonNegative(waitBudget, "waitBudget");
            if (name.equals(DEFAULT_ROUTE_CLASS) || routes.stream().anyMatch(r -> r.name().equals(name))) {
                throw new IllegalArgumentException("route class name '" + name + "' is already used");
            }
            routes.add(new RouteSpec(name, pathMatcher, limit, waitBudget));
            return this;
        }

        /**
         * A token bucket per client: {@code tokens} per {@code period}, holding at most {@code burst}.
         * A request that finds its client's bucket empty gets {@code 429}.
         */
        public Builder perClientRate(long tokens, Duration period, long burst) {
            KeyedLimiter.<String>builder().maxKeys(1).tokenBucket(tokens, period, burst).build(); // validates
            this.rateTokens = tokens;
            this.ratePeriod = period;
            this.rateBurst = burst;
            this.clientLimiter = null;
            return this;
        }

        /**
         * Uses {@code limiter} for the per-client check instead of an in-process table of token buckets:
         * for example one whose state is shared by a fleet of servers. A request whose client the limiter
         * refuses ({@code tryAcquire} returns null) gets {@code 429} with a {@code Retry-After} from
         * {@link KeyedLimiter#nanosUntilAvailable}; one for which it throws a {@link dev.sluice.BusyException}
         * (it cannot decide now, e.g. its store is unreachable) gets {@code 503} with {@code Retry-After: 1},
         * counted in {@link AdmissionStats#rejectedBusy()}. Replaces {@link #perClientRate}.
         */
        public Builder clientLimiter(KeyedLimiter<String> limiter) {
            this.clientLimiter = Objects.requireNonNull(limiter, "limiter");
            this.ratePeriod = null;
            return this;
        }

        /**
         * Key clients by this request header (e.g. {@code "X-Client-Id"}) instead of the remote address; a
         * request without the header is keyed by its remote address.
         */
        public Builder clientKeyHeader(String header) {
            Objects.requireNonNull(header, "header");
            if (header.isBlank()) {
                throw new IllegalArgumentException("clientKeyHeader must not be blank");
            }
            this.clientKeyHeader = header;
            return this;
        }

        /** The most client keys tracked at once (default 10,000): memory stays bounded whatever the traffic. */
        public Builder maxClientKeys(int maxKeys) {
            if (maxKeys < 1) {
                throw new IllegalArgumentException("maxClientKeys must be at least 1, was " + maxKeys);
            }
            this.maxClientKeys = maxKeys;
            return this;
        }

        /** The largest request body accepted, in bytes (default 1 MiB, at most 2^31 - 2). */
        public Builder maxBodyBytes(long bytes) {
            if (bytes < 0 || bytes > Integer.MAX_VALUE - 1) {
                throw new IllegalArgumentException("maxBodyBytes must be in [0, " + (Integer.MAX_VALUE - 1) + "], was " + bytes);
            }
            this.maxBodyBytes = bytes;
            return this;
        }

        /** The longest a request body may take to arrive (default 5 s); slower bodies get 408. */
        public Builder bodyReadBudget(Duration budget) {
            Objects.requireNonNull(budget, "budget");
            if (budget.isNegative() || budget.isZero()) {
                throw new IllegalArgumentException("bodyReadBudget must be positive, was " + budget);
            }
            this.readBudget = budget;
            return this;
        }

        /** The longest any request may run: its context's deadline is at most this far away (default none). */
        public Builder serverBudget(Duration budget) {
            Objects.requireNonNull(budget, "budget");
            if (budget.isNegative() || budget.isZero()) {
                throw new IllegalArgumentException("serverBudget must be positive, was " + budget);
            }
            this.serverBudget = budget;
            return this;
        }

        /** The clock absolute {@code X-Request-Deadline} values are read against (default the system clock). */
        public Builder wallClock(InstantSource clock) {
            this.wallClock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Whether each request's context is a {@link dev.sluice.CancellableContext} cancelled when the request
         * ends, so that work it started and left behind notices (default false). Off by default because
         * cancelling records a {@link dev.sluice.CancelledException} with its stack trace: about a
         * microsecond per request, most of the admission path's cost.
         */
        public Builder cancelContextAtEnd(boolean cancel) {
            this.cancelAtEnd = cancel;
            return this;
        }

        public AdmissionControl build() {
            List<RouteGate> gates = new ArrayList<>();
            for (RouteSpec r : routes) {
                gates.add(AdmissionCore.gate(r.name(), r.matcher(), limiter(name + "." + r.name(), r.limit(), r.waitBudget()),
                        r.waitBudget().toNanos()));
            }
            gates.add(AdmissionCore.gate(DEFAULT_ROUTE_CLASS, p -> true, limiter(name + "." + DEFAULT_ROUTE_CLASS, limit, waitBudget),
                    waitBudget.toNanos()));
            KeyedLimiter<String> clients = clientLimiter != null ? clientLimiter : ratePeriod == null ? null
                    : KeyedLimiter.<String>builder().maxKeys(maxClientKeys).tokenBucket(rateTokens, ratePeriod, rateBurst).build();
            Settings s = new Settings(gates, clients, clientKeyHeader, maxBodyBytes, readBudget.toNanos(),
                    serverBudget == null ? 0L : serverBudget.toNanos(), wallClock, cancelAtEnd);
            return new AdmissionControl(name, new AdmissionCore(s));
        }

        private ConcurrencyLimiter limiter(String limiterName, Limit l, Duration budget) {
            ConcurrencyLimiter.Builder b = ConcurrencyLimiter.builder().name(limiterName).limit(l).maxWaiters(maxWaiters)
                    .discipline(discipline);
            if (discipline == Discipline.LIFO_CODEL) {
                // The limiter's interval is both "how long a queue must stand" and its own cap on any wait;
                // the wait budget already caps the wait, so the interval only has to be no shorter than it.
                Duration interval = budget.isZero() ? Duration.ofMillis(1) : budget;
                Duration target = targetQueueDelay != null ? targetQueueDelay
                        : Duration.ofNanos(Math.max(Duration.ofMillis(1).toNanos(), interval.toNanos() / 10));
                if (target.compareTo(interval) > 0) {
                    interval = target;
                }
                b.targetQueueDelay(target).interval(interval);
            }
            return b.build();
        }

        private static Duration nonNegative(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative()) {
                throw new IllegalArgumentException(what + " must not be negative, was " + d);
            }
            try {
                d.toNanos();
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(what + " is too long: " + d, e);
            }
            return d;
        }
    }
}
