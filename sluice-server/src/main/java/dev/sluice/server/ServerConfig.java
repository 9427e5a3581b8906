package dev.sluice.server;

import dev.sluice.limit.Discipline;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The job server's settings, immutable; made by {@link #builder()} (defaults as the command line's) or by
 * {@link ServeCommand} from the flags. Every bound the server has is here: nothing it holds grows without
 * one, except in {@linkplain #naive() naive} mode, which exists to show what that costs.
 *
 * @param host            the address to bind; 127.0.0.1 unless told otherwise
 * @param port            the port; 0 picks a free one (read it back from {@link RunningServer#port()})
 * @param workers         the worker pool's thread count: how many jobs run at once
 * @param queue           the worker pool's queue capacity: how many accepted jobs may wait to start
 * @param waitBudget      the admission wait budget: how long a request may wait for room before a 503
 * @param waitOrder       the order waiting requests get room in: {@link Discipline#LIFO_CODEL} (the default:
 *                        newest first, and a waiter that queued past a tenth of the budget while a queue
 *                        stands is refused at once) or {@link Discipline#FIFO}
 * @param rate            the global token bucket, or empty for none
 * @param perClient       the per-client token bucket, or empty for none
 * @param grace           how long a drain waits for accepted jobs at shutdown
 * @param naive           no admission control, no limits, an unbounded queue: the "before" picture
 * @param clientHeader    the request header naming the client for the per-client bucket (else the remote address)
 * @param maxBody         the largest request body accepted, in bytes (larger: 413)
 * @param readTimeout     the longest a request body may take to arrive (slower: 408)
 * @param adaptive        whether the admission concurrency limit adapts (AIMD on refusals; else it is fixed)
 * @param finishedJobsKept how many finished jobs {@code GET /jobs/{id}} can still report (older: 404)
 * @param maxThreads      the most request-handling virtual threads Jetty runs at once
 * @param maxConnections  the most open connections; more wait in the accept backlog
 * @param admission       the admission filter factory; empty means the server's default
 * @param redis           the fleet to join ({@code --redis}): the job queue and the rate limits in Redis,
 *                        shared by every instance; empty for a server on its own
 */
public record ServerConfig(String host, int port, int workers, int queue, Duration waitBudget, Discipline waitOrder,
        Optional<Rate> rate,
        Optional<Rate> perClient, Duration grace, boolean naive, String clientHeader, long maxBody,
        Duration readTimeout, boolean adaptive, int finishedJobsKept, int maxThreads, int maxConnections,
        Optional<Admission.Factory> admission, Optional<dev.sluice.server.fleet.FleetConfig> redis) {

    /** The longest {@code cpuMillis} or {@code ioMillis} a job may ask for. */
    public static final long MAX_JOB_MILLIS = 60_000;

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(waitBudget, "waitBudget");
        Objects.requireNonNull(waitOrder, "waitOrder");
        Objects.requireNonNull(rate, "rate");
        Objects.requireNonNull(perClient, "perClient");
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(clientHeader, "clientHeader");
        Objects.requireNonNull(readTimeout, "readTimeout");
        Objects.requireNonNull(admission, "admission");
        Objects.requireNonNull(redis, "redis");
        check(!(naive && redis.isPresent()), "--naive and --redis cannot be combined: naive mode has no bounded queue to share");
        check(port >= 0 && port <= 65_535, "port must be between 0 and 65535, got " + port);
        check(workers >= 1 && workers <= 10_000, "workers must be between 1 and 10000, got " + workers);
        check(queue >= 0 && queue <= 1_000_000, "queue must be between 0 and 1000000, got " + queue);
        check(!waitBudget.isNegative() && waitBudget.compareTo(Duration.ofMinutes(1)) <= 0,
                "wait must be between 0 and 1m, got " + Durations.format(waitBudget));
        check(!grace.isNegative() && grace.compareTo(Duration.ofHours(1)) <= 0,
                "grace must be between 0 and 1h, got " + Durations.format(grace));
        check(!clientHeader.isBlank(), "client header must not be blank");
        check(maxBody >= 1 && maxBody <= 1L << 30, "max body must be between 1 byte and 1 GiB, got " + maxBody);
        check(readTimeout.toMillis() >= 1 && readTimeout.compareTo(Duration.ofMinutes(10)) <= 0,
                "read timeout must be between 1ms and 10m, got " + Durations.format(readTimeout));
        check(finishedJobsKept >= 1 && finishedJobsKept <= 10_000_000,
                "finished jobs kept must be between 1 and 10000000, got " + finishedJobsKept);
        check(maxThreads >= 8 && maxThreads <= 100_000, "max threads must be between 8 and 100000, got " + maxThreads);
        check(maxConnections >= 1 && maxConnections <= 1_000_000,
                "max connections must be between 1 and 1000000, got " + maxConnections);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** A builder with the command line's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.workers = workers;
        b.queue = queue;
        b.waitBudget = waitBudget;
        b.waitOrder = waitOrder;
        b.rate = rate;
        b.perClient = perClient;
        b.grace = grace;
        b.naive = naive;
        b.clientHeader = clientHeader;
        b.maxBody = maxBody;
        b.readTimeout = readTimeout;
        b.adaptive = adaptive;
        b.finishedJobsKept = finishedJobsKept;
        b.maxThreads = maxThreads;
        b.maxConnections = maxConnections;
        b.admission = admission;
        b.redis = redis;
        return b;
    }

    /** Collects settings; {@link #build()} checks them all. Not thread-safe. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8080;
        private int workers = 4;
        private int queue = 8;
        private Duration waitBudget = Duration.ofMillis(100);
        private Discipline waitOrder = Discipline.LIFO_CODEL;
        private Optional<Rate> rate = Optional.of(Rate.perSecond(1000));
        private Optional<Rate> perClient = Optional.of(Rate.perSecond(50));
        private Duration grace = Duration.ofSeconds(10);
        private boolean naive;
        private String clientHeader = "X-Client-Id";
        private long maxBody = 1 << 20;
        private Duration readTimeout = Duration.ofSeconds(5);
        private boolean adaptive;
        private int finishedJobsKept = 10_000;
        private int maxThreads = 1024;
        private int maxConnections = 2048;
        private Optional<Admission.Factory> admission = Optional.empty();
        private Optional<dev.sluice.server.fleet.FleetConfig> redis = Optional.empty();

        Builder() { }

        public Builder host(String host) { this.host = host; return this; }
        public Builder port(int port) { this.port = port; return this; }
        public Builder workers(int workers) { this.workers = workers; return this; }
        public Builder queue(int queue) { this.queue = queue; return this; }
        /** The admission wait budget ({@code --wait}). */
        public Builder waitBudget(Duration wait) { this.waitBudget = wait; return this; }
        /** The order waiting requests get room in ({@code --order}). */
        public Builder waitOrder(Discipline order) { this.waitOrder = order; return this; }
        /** The global token bucket; {@code null} for none. */
        public Builder rate(Rate rate) { this.rate = Optional.ofNullable(rate); return this; }
        /** The per-client token bucket; {@code null} for none. */
        public Builder perClient(Rate rate) { this.perClient = Optional.ofNullable(rate); return this; }
        public Builder grace(Duration grace) { this.grace = grace; return this; }
        public Builder naive(boolean naive) { this.naive = naive; return this; }
        public Builder clientHeader(String header) { this.clientHeader = header; return this; }
        public Builder maxBody(long bytes) { this.maxBody = bytes; return this; }
        public Builder readTimeout(Duration timeout) { this.readTimeout = timeout; return this; }
        public Builder adaptive(boolean adaptive) { this.adaptive = adaptive; return this; }
        public Builder finishedJobsKept(int n) { this.finishedJobsKept = n; return this; }
        public Builder maxThreads(int n) { this.maxThreads = n; return this; }
        public Builder maxConnections(int n) { this.maxConnections = n; return this; }
        /** Replaces the default admission filter (ignored in naive mode); {@code null} restores it. */
        public Builder admission(Admission.Factory factory) { this.admission = Optional.ofNullable(factory); return this; }

        /** Joins a fleet on Redis ({@code --redis}); {@code null} for a server on its own. */
        public Builder redis(dev.sluice.server.fleet.FleetConfig fleet) { this.redis = Optional.ofNullable(fleet); return this; }

        /** @throws IllegalArgumentException naming the first setting out of range */
        public ServerConfig build() {
            return new ServerConfig(host, port, workers, queue, waitBudget, waitOrder, rate, perClient, grace, naive, clientHeader,
                    maxBody, readTimeout, adaptive, finishedJobsKept, maxThreads, maxConnections, admission, redis);
        }
    }
}
