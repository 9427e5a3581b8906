package dev.sluice.server;

import dev.sluice.limit.Discipline;
import dev.sluice.server.fleet.FleetConfig;
import dev.sluice.server.job.DrainSummary;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./sluice serve}: runs the job server until SIGTERM or SIGINT, then drains. Prints
 * {@code sluice-server listening on http://HOST:PORT} once it listens (the actual port, also with
 * {@code --port 0}) and, at the end, the {@link DrainSummary#line() drain report}. Exits 0 when every
 * accepted job finished, 1 if the grace period ended with jobs still running, 2 on a bad flag, 3 if it
 * could not start.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Runs the sluice job server: POST /jobs, GET /jobs/{id}, /metrics, /healthz, /readyz and a "
                + "live dashboard at /.", "SIGTERM drains: new jobs get 503, accepted jobs finish, then it exits."})
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--port", paramLabel = "PORT", description = "port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE})")
    int port = 8080;

    @Option(names = "--host", paramLabel = "HOST", description = "address to bind (default: ${DEFAULT-VALUE})")
    String host = "127.0.0.1";

    @Option(names = "--workers", paramLabel = "N", description = "worker threads: jobs running at once (default: ${DEFAULT-VALUE})")
    int workers = 4;

    @Option(names = "--queue", paramLabel = "N", description = "job queue capacity: accepted jobs waiting to start (default: ${DEFAULT-VALUE})")
    int queue = 8;

    @Option(names = "--wait", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "admission wait budget: how long a job may wait for room before 503, e.g. 100ms (default: 100ms)")
    Duration wait = Duration.ofMillis(100);

    @Option(names = "--order", paramLabel = "ORDER", converter = OrderConverter.class,
            description = "which waiting job gets room first: 'lifo' (newest first; under overload a job that has waited "
                    + "over a tenth of --wait while a queue stands gets 503 at once) or 'fifo' (default: lifo)")
    Discipline order = Discipline.LIFO_CODEL;

    @Option(names = "--rate", paramLabel = "RATE", converter = RateConverter.class,
            description = "global token bucket for POST /jobs, e.g. 1000/s or 600/m; 'off' for none; over it: 429 (default: 1000/s)")
    RateOrOff rate = new RateOrOff(Rate.perSecond(1000));

    @Option(names = "--per-client", paramLabel = "RATE", converter = RateConverter.class,
            description = "per-client token bucket, keyed by --client-header or the remote address; 'off' for none; over it: 429 (default: 50/s)")
    RateOrOff perClient = new RateOrOff(Rate.perSecond(50));

    @Option(names = "--client-header", paramLabel = "NAME", description = "header naming the client for --per-client (default: ${DEFAULT-VALUE})")
    String clientHeader = "X-Client-Id";

    @Option(names = "--grace", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "drain grace at shutdown: how long accepted jobs may take to finish (default: 10s)")
    Duration grace = Duration.ofSeconds(10);

    @Option(names = "--max-body", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "largest request body, e.g. 1m, 64k or 4096 (bytes); larger: 413 (default: 1m)")
    long maxBody = 1 << 20;

    @Option(names = "--read-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "longest a request body may take to arrive; slower: 408 (default: 5s)")
    Duration readTimeout = Duration.ofSeconds(5);

    @Option(names = "--adaptive", description = "adapt the admission concurrency limit (AIMD: lowered when requests end in 503, never above workers + queue)")
    boolean adaptive;

    @Option(names = "--naive", description = "the deliberate anti-pattern for comparison: no admission control, no limits, an unbounded queue")
    boolean naive;

    @Option(names = "--jobs-kept", paramLabel = "N", description = "finished jobs GET /jobs/{id} still reports; older ones: 404 (default: ${DEFAULT-VALUE})")
    int jobsKept = 10_000;

    @Option(names = "--max-threads", paramLabel = "N", description = "most request-handling virtual threads at once (default: ${DEFAULT-VALUE})")
    int maxThreads = 1024;

    @Option(names = "--max-connections", paramLabel = "N", description = "most open connections (default: ${DEFAULT-VALUE})")
    int maxConnections = 2048;

    @Option(names = "--redis", paramLabel = "URL", description = "join a fleet on this Redis, e.g. redis://127.0.0.1:6379: "
            + "the job queue, --rate and --per-client become fleet-wide (--queue is then unused; see --redis-capacity)")
    String redis;

    @Option(names = "--redis-queue", paramLabel = "NAME", description = "with --redis: the fleet's name, shared by its instances (default: ${DEFAULT-VALUE})")
    String redisQueue = "sluice-jobs";

    @Option(names = "--redis-capacity", paramLabel = "N", description = "with --redis: the most jobs waiting or running "
            + "across the whole fleet; more wait up to --wait, then 503 (default: ${DEFAULT-VALUE})")
    int redisCapacity = 64;

    @Option(names = "--redis-visibility", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "with --redis: how long jobs held by a dead instance stay invisible before others run them (default: 30s)")
    Duration redisVisibility = Duration.ofSeconds(30);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final PrintStream out;

    ServeCommand(PrintStream out) {
        this.out = out;
    }

    /** A rate, or none. */
    record RateOrOff(Rate rate) { }

    /** Builds the server's configuration from the flags. */
    ServerConfig config() {
        return ServerConfig.builder().host(host).port(port).workers(workers).queue(queue).waitBudget(wait).waitOrder(order)
                .rate(rate.rate()).perClient(perClient.rate()).clientHeader(clientHeader).grace(grace).maxBody(maxBody)
                .readTimeout(readTimeout).adaptive(adaptive).naive(naive).finishedJobsKept(jobsKept)
                .maxThreads(maxThreads).maxConnections(maxConnections)
                .redis(redis == null ? null : new FleetConfig(redis, redisQueue, redisCapacity, redisVisibility)).build();
    }

    @Override
    public Integer call() throws InterruptedException {
        ServerConfig config;
        try {
            config = config();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        RunningServer server;
        try {
            server = JobServer.start(config);
        } catch (IllegalStateException e) {
            System.err.println("sluice-server: " + e.getMessage());
            return 3;
        }
        out.println(JobServer.LISTENING + server.uri() + (config.naive() ? " (naive mode: no backpressure)" : "")
                + server.fleetInstance().map(i -> " (fleet instance " + i + " on " + redis + ")").orElse(""));
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM and SIGINT run shutdown hooks; this one drains, reports and ends the process with the
        // drain's status (halt: the JVM would otherwise exit 143 for a signal).
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("sluice-drain").unstarted(() -> {
            DrainSummary s = server.drain(config.grace());
            out.println(s.line());
            server.fleetSummary().ifPresent(out::println);
            out.flush();
            stopped.countDown();
            Runtime.getRuntime().halt(s.stillRunning() == 0 ? 0 : 1);
        }));
        stopped.await();
        return 0;
    }

    /** Held so the setting sticks: java.util.logging keeps loggers weakly. */
    private static final java.util.logging.Logger LETTUCE_LOG = java.util.logging.Logger.getLogger("io.lettuce");

    public static void main(String[] args) {
        // Lettuce logs every reconnect attempt; while Redis is down the server answers 503 and counts it instead.
        LETTUCE_LOG.setLevel(java.util.logging.Level.SEVERE);
        int code = commandLine(System.out).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    static CommandLine commandLine(PrintStream out) {
        CommandLine cl = new CommandLine(new ServeCommand(out));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return Durations.parse(value);
        }
    }

    static final class RateConverter implements CommandLine.ITypeConverter<RateOrOff> {
        @Override
        public RateOrOff convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            return v.equals("off") || v.equals("none") ? new RateOrOff(null) : new RateOrOff(Rate.parse(value));
        }
    }

    static final class OrderConverter implements CommandLine.ITypeConverter<Discipline> {
        @Override
        public Discipline convert(String value) {
            return switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "lifo" -> Discipline.LIFO_CODEL;
                case "fifo" -> Discipline.FIFO;
                default -> throw new IllegalArgumentException("'" + value + "' is not an order: use lifo or fifo");
            };
        }
    }

    static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            long mult = 1;
            if (v.endsWith("k")) {
                mult = 1024;
            } else if (v.endsWith("m")) {
                mult = 1024 * 1024;
            } else if (v.endsWith("g")) {
                mult = 1024L * 1024 * 1024;
            }
            String digits = mult == 1 ? v : v.substring(0, v.length() - 1);
            if (!digits.matches("\\d{1,10}")) {
                throw new IllegalArgumentException("'" + value + "' is not a size: use bytes or a whole number with "
                        + "k, m or g, such as 4096, 64k or 1m");
            }
            return Long.parseLong(digits) * mult;
        }
    }
}
