package dev.sluice.load;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What one load run does: where it sends, how fast, for how long, and the bounds that keep the generator
 * itself from queueing without limit. Immutable; built and validated by {@link #builder(String)}, which
 * refuses a bad value with a message that names it.
 *
 * <p>Requests are started at fixed intended times {@code i / rate} after the start, first for
 * {@link #warmup()} (sent but not counted), then for {@link #duration()} (counted). Request {@code i} carries
 * the header {@code X-Client-Id: client-<i mod clients>}, so a server keying per-client limits on that header
 * sees {@link #clients()} distinct clients sharing the rate evenly.
 *
 * @param target        the URL every request goes to; loopback unless {@code allowRemote}
 * @param method        the HTTP method
 * @param body          the request body (empty for none), sent as {@code application/json}
 * @param headers       extra request headers
 * @param rate          the arrival rate
 * @param duration      the measured part of the run; positive
 * @param warmup        sent before the measured part and not counted; zero for none
 * @param clients       how many client identities the requests rotate through; at least 1
 * @param timeout       the client timeout of one request; positive
 * @param maxInFlight   the most requests outstanding at once; a start that finds this many is counted as
 *                      "not sent: generator saturated", never queued
 * @param drainTimeout  how long the run waits after the last start for outstanding requests to end
 * @param connections   the most TCP connections the client opens; requests beyond them wait in the client
 *                      (their wait counts in their latency, since latency runs from the intended start)
 */
public record LoadPlan(URI target, String method, byte[] body, Map<String, String> headers, Rate rate,
                       Duration duration, Duration warmup, int clients, Duration timeout, int maxInFlight,
                       Duration drainTimeout, int connections) {

    /** The header that names the client identity of a request. */
    public static final String CLIENT_ID_HEADER = "X-Client-Id";

    /** The longest measured run accepted: the generator must stop by itself. */
    public static final Duration MAX_DURATION = Duration.ofHours(1);

    public LoadPlan {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(method, "method");
        body = body.clone();
        headers = Map.copyOf(headers);
        Objects.requireNonNull(rate, "rate");
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    /** How many requests the warm-up starts. */
    public long warmupRequests() {
        return Math.round(rate.perSecond() * warmup.toNanos() / 1e9);
    }

    /** How many requests the measured part starts: {@code rate x duration}. */
    public long measuredRequests() {
        return Math.max(1, Math.round(rate.perSecond() * duration.toNanos() / 1e9));
    }

    /** Starts a plan for {@code url}. */
    public static Builder builder(String url) {
        return new Builder(url);
    }

    /** Collects and validates a {@link LoadPlan}; not thread-safe. */
    public static final class Builder {
        private final String url;
        private String method;
        private byte[] body = new byte[0];
        private final Map<String, String> headers = new LinkedHashMap<>();
        private Rate rate = new Rate(100);
        private Duration duration = Duration.ofSeconds(10);
        private Duration warmup = Duration.ZERO;
        private int clients = 1;
        private Duration timeout = Duration.ofSeconds(2);
        private int maxInFlight = 10_000;
        private Duration drainTimeout;
        private int connections = 512;
        private boolean allowRemote;

        private Builder(String url) {
            this.url = url;
        }

        /** The HTTP method; default POST when a body is set, GET otherwise. */
        public Builder method(String m) {
            this.method = m;
            return this;
        }

        /** The request body, sent as {@code application/json}. */
        public Builder body(String text) {
            this.body = text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
            return this;
        }

        /** Adds a request header. */
        public Builder header(String name, String value) {
            if (name == null || name.isBlank() || value == null) {
                throw new IllegalArgumentException("a header needs a name and a value, got '" + name + "'");
            }
            if (name.equalsIgnoreCase(CLIENT_ID_HEADER)) {
                throw new IllegalArgumentException(CLIENT_ID_HEADER + " is set by --clients; do not pass it as a header");
            }
            headers.put(name, value);
            return this;
        }

        public Builder rate(Rate r) {
            this.rate = Objects.requireNonNull(r, "rate");
            return this;
        }

        public Builder duration(Duration d) {
            this.duration = d;
            return this;
        }

        public Builder warmup(Duration d) {
            this.warmup = d;
            return this;
        }

        public Builder clients(int n) {
            this.clients = n;
            return this;
        }

        public Builder timeout(Duration d) {
            this.timeout = d;
            return this;
        }

        public Builder maxInFlight(int n) {
            this.maxInFlight = n;
            return this;
        }

        /** How long to wait for outstanding requests after the last start; default the timeout plus 1 s. */
        public Builder drainTimeout(Duration d) {
            this.drainTimeout = d;
            return this;
        }

        /** The most TCP connections to open; default 512. */
        public Builder connections(int n) {
            this.connections = n;
            return this;
        }

        /** Allows a target that is not a loopback address. Off by default. */
        public Builder allowRemote(boolean allow) {
            this.allowRemote = allow;
            return this;
        }

        /** Validates everything and returns the plan; throws {@link IllegalArgumentException} on the first bad value. */
        public LoadPlan build() {
            URI target = parseTarget(url, allowRemote);
            String m = method == null ? (body.length > 0 ? "POST" : "GET") : method.trim().toUpperCase(Locale.ROOT);
            if (!m.matches("[A-Z]+")) {
                throw new IllegalArgumentException("method '" + method + "' is not an HTTP method");
            }
            require(duration != null && !duration.isNegative() && !duration.isZero(),
                    "duration must be positive, was " + duration);
            require(duration.compareTo(MAX_DURATION) <= 0, "duration must be at most 1h, was " + duration);
            require(warmup != null && !warmup.isNegative() && warmup.compareTo(MAX_DURATION) <= 0,
                    "warmup must be between 0 and 1h, was " + warmup);
            require(clients >= 1 && clients <= 1_000_000, "clients must be between 1 and 1000000, was " + clients);
            require(timeout != null && !timeout.isNegative() && !timeout.isZero(),
                    "timeout must be positive, was " + timeout);
            require(maxInFlight >= 1 && maxInFlight <= 100_000,
                    "max-inflight must be between 1 and 100000, was " + maxInFlight);
            require(connections >= 1 && connections <= 20_000,
                    "connections must be between 1 and 20000, was " + connections);
            Duration drain = drainTimeout == null ? timeout.plusSeconds(1) : drainTimeout;
            require(!drain.isNegative(), "drain timeout must not be negative, was " + drain);
            return new LoadPlan(target, m, body, headers, rate, duration, warmup, clients, timeout, maxInFlight,
                    drain, connections);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }

    /** Checks the URL: http or https, a host, and loopback unless remote targets are allowed. */
    static URI parseTarget(String url, boolean allowRemote) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("no target URL given; for example http://127.0.0.1:8080/jobs");
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("target '" + url + "' is not a URL: " + e.getReason(), e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("target '" + url + "' must be an http:// or https:// URL");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("target '" + url + "' has no host");
        }
        if (!allowRemote) {
            boolean loopback;
            try {
                InetAddress[] all = InetAddress.getAllByName(host);
                loopback = all.length > 0;
                for (InetAddress a : all) {
                    loopback &= a.isLoopbackAddress();
                }
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("target host '" + host + "' does not resolve", e);
            }
            if (!loopback) {
                throw new IllegalArgumentException("target host '" + host
                        + "' is not a loopback address; the generator only loads machines you name on purpose:"
                        + " pass --allow-remote to send to it");
            }
        }
        return uri;
    }
}
