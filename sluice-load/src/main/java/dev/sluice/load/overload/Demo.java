package dev.sluice.load.overload;

import dev.sluice.load.cluster.ClusterDemo;
import dev.sluice.pool.WorkerPool;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./sluice demo}: starts the job server in a child JVM, measures its capacity, drives it through
 * normal load, ten times that, and recovery, then does the same to the server in {@code --naive} mode
 * (no admission control, an unbounded queue), and prints one table side by side. Every child JVM is
 * stopped at the end, on failure, and on Ctrl-C.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "The job server under 10x overload, with sluice's admission control and without (--naive), side by side.")
public final class Demo implements Callable<Integer> {

    /**
     * Workers for the demo's server: one per core, at most 4. The jobs burn CPU, so a worker beyond the
     * cores adds no throughput; it only stretches every job's wall time (in a quiet overload run, 4 workers on
     * 2 cores completed 143 jobs/s: about 28 ms of wall time for each 10 ms job) and takes CPU from the
     * threads that answer 503s.
     */
    public static final int DEFAULT_WORKERS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

    /** The demo's job (declared before the flags, which use it), {@code {"cpuMillis":10}}: about 10 ms of CPU. */
    static final Duration SERVICE_TIME = Duration.ofMillis(10);

    /** The server's flags in both runs: admission by the job slots and the wait budget, rate limits out of the way. */
    public static final List<String> SERVER_FLAGS = serverFlags(DEFAULT_WORKERS);

    /** {@link #SERVER_FLAGS} with {@code workers} workers, and a job queue of {@link #queueFor queueFor(workers)}. */
    public static List<String> serverFlags(int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        return List.of("--port", "0", "--workers", Integer.toString(workers), "--queue",
                Integer.toString(queueFor(workers)), "--wait", "100ms", "--rate", "off", "--per-client", "100000/s");
    }

    /**
     * The job queue of the demo's server, sized with Little's law ({@link WorkerPool#maxQueueFor}) so that
     * a job accepted at the back of a full queue finishes within two service times: one waiting job per
     * worker, enough for a worker that finishes to find its next job at once. Admitted requests wait for a
     * slot first (up to the 100 ms budget), so what they wait after admission adds to the latency the
     * overload target bounds (p99 at most the budget plus 1.5 service times). Measured on 2 cores at 1,300
     * requests/s (10x), alternating servers, 2 runs each: a queue of 8 gave an accepted p99 of 175-208 ms,
     * 4 gave 97-130 ms, 2 gave 94-95 ms, at a goodput of 118-124/s, 109-129/s and 107-112/s.
     */
    public static int queueFor(int workers) {
        return WorkerPool.maxQueueFor(0, SERVICE_TIME, workers, SERVICE_TIME.multipliedBy(2));
    }
    /**
     * The JVM flags of every server in the comparison. The young generation has a fixed size so that the
     * RSS measures what the server keeps, not the collector's sizing: with G1 choosing the young size, a
     * tenfold request rate made it grow eden, and the same sluice server's RSS growth read 43 MiB in one
     * quiet run and 91 MiB in the next while its overload peak was 393 and 385 MiB.
     */
    public static final List<String> SERVER_JVM = List.of("-Xmx512m", "-Xmn64m", "-XX:+UseG1GC");
    public static final String SERVER_MAIN = "dev.sluice.server.ServeCommand";

    @Option(names = "--quick", description = "a shorter run (about 25 s), for tests; also SLUICE_DEMO_QUICK=1")
    boolean quick;

    @Option(names = "--machine", description = "also print every figure as key=value lines")
    boolean machine;

    @Option(names = "--cluster", paramLabel = "N", description = "instead: N job servers on one local Redis (serve --redis), "
            + "driven past the fleet's capacity, one killed with SIGKILL halfway; prints accepted, rejected, completed, "
            + "redelivered and lost (exit 1 if any job was lost)")
    int cluster;

    @Override
    public Integer call() throws Exception {
        boolean q = quick || "1".equals(System.getenv("SLUICE_DEMO_QUICK"));
        if (cluster != 0) {
            ClusterDemo.Settings cs = q ? ClusterDemo.Settings.quick(cluster) : ClusterDemo.Settings.demo(cluster);
            ClusterDemo.Result r = ClusterDemo.run(cs, System.out);
            System.out.println();
            System.out.print(ClusterDemo.table(r));
            return r.lost() == 0 && r.accepted() > 0 ? 0 : 1;
        }
        Scenario s = q ? Scenario.quick() : Scenario.demo();
        PrintStream out = System.out;
        List<ServerRun> runs = run(s, out);
        out.println();
        out.print(ComparisonTable.text(runs, s));
        out.println();
        for (String line : verdict(runs.get(0), runs.get(1), s)) {
            out.println(line);
        }
        if (machine) {
            ComparisonTable.machine(runs).forEach(out::println);
        }
        return 0;
    }

    /** Measures capacity on the sluice server, runs both servers through the scenario, stops both. */
    static List<ServerRun> run(Scenario s, PrintStream progress) throws Exception {
        OverloadDriver driver = new OverloadDriver(s, progress);
        List<ServerRun> runs = new ArrayList<>();
        double capacity;
        try (ServerProcess sluice = ServerProcess.start("sluice", SERVER_JVM, SERVER_MAIN, SERVER_FLAGS, Duration.ofSeconds(30))) {
            progress.println("[demo] sluice: job server started at " + sluice.uri() + " (pid " + sluice.pid() + ")");
            capacity = driver.measureCapacity(sluice);
            runs.add(driver.run(sluice, capacity, false));
        }
        List<String> naiveFlags = new ArrayList<>(SERVER_FLAGS);
        naiveFlags.add("--naive");
        try (ServerProcess naive = ServerProcess.start("naive", SERVER_JVM, SERVER_MAIN, naiveFlags, Duration.ofSeconds(30))) {
            progress.println("[demo] naive: job server started at " + naive.uri() + " (pid " + naive.pid() + ")");
            runs.add(driver.run(naive, capacity, true));
        }
        return runs;
    }

    /** What the table shows, as sentences that are computed, not assumed. */
    public static List<String> verdict(ServerRun sluice, ServerRun naive, Scenario s) {
        List<String> lines = new ArrayList<>();
        PhaseResult so = sluice.phase("overload");
        PhaseResult no = naive.phase("overload");
        double bound = 100 + 1.5 * s.serviceMillis();
        lines.add(String.format(Locale.ROOT,
                "sluice at %.0fx: goodput %.0f/s (%.0f%% of its normal-load goodput), %.0f%% of requests answered 503, "
                        + "p99 of accepted work %.1f ms (bound: wait 100 ms + 1.5 x %.0f ms = %.0f ms), %d client timeouts.",
                s.overloadFactor(), so.report().goodputPerSecond(),
                100 * so.report().goodputPerSecond() / Math.max(1, sluice.phase("normal").report().goodputPerSecond()),
                100 * so.report().unavailableShare(), so.report().acceptedLatency().p99Millis(), s.serviceMillis(), bound,
                so.report().timeouts()));
        lines.add(String.format(Locale.ROOT,
                "naive at %.0fx:  goodput %.0f/s, p99 of accepted work %.1f ms, %d client timeouts (of %d sent), "
                        + "server RSS grew %.0f MiB during the overload; recovery: %d timeouts, p99 %.1f ms.",
                s.overloadFactor(), no.report().goodputPerSecond(), no.report().acceptedLatency().p99Millis(),
                no.report().timeouts(), no.report().sent(), no.rssGrowthMb(),
                naive.phase("recovery").report().timeouts(), naive.phase("recovery").report().acceptedLatency().p99Millis()));
        return lines;
    }

    public static void main(String[] args) {
        int code = new CommandLine(new Demo()).execute(args);
        System.exit(code);
    }

    /** A stream that drops everything. */
    static PrintStream discard() {
        return new PrintStream(OutputStream.nullOutputStream());
    }
}
