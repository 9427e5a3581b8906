package dev.sluice.load.overload;

import dev.sluice.load.LoadGenerator;
import dev.sluice.load.LoadPlan;
import dev.sluice.load.LoadReport;
import dev.sluice.load.Rate;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Drives one server through a {@link Scenario}: warm-up, then normal load at the capacity, then the
 * overload, then recovery, each an open-loop {@link LoadGenerator} run against {@code POST /jobs?wait=true}
 * (so an accepted request's latency includes running the job), with the server's memory sampled throughout.
 */
public final class OverloadDriver {

    private final Scenario scenario;
    private final PrintStream progress;
    /** Whether the last {@link #measureCapacity} warm-up ended with prompt answers. */
    private boolean warm;

    /** {@code progress} gets one line per step; pass a stream that discards for silence. */
    public OverloadDriver(Scenario scenario, PrintStream progress) {
        this.scenario = scenario;
        this.progress = progress;
    }

    private LoadPlan plan(ServerProcess server, double rate, Duration duration) {
        return LoadPlan.builder(server.uri() + "/jobs?wait=true")
                .rate(new Rate(rate))
                .duration(duration)
                .body(scenario.jobBody())
                .clients(scenario.clients())
                .timeout(scenario.timeout())
                .maxInFlight(scenario.maxInFlight())
                .build();
    }

    /** Warms {@code server} up, then measures the most it completes per second at the probe rate (best of three probes). */
    public double measureCapacity(ServerProcess server) throws InterruptedException {
        warm = warmUp(server);
        // On a shared machine one probe can land on a stall; the best of a few is the server's capacity.
        LoadReport probe = null;
        double capacity = 0;
        for (int i = 1; i <= PROBES; i++) {
            LoadReport p = new LoadGenerator(plan(server, scenario.probeRate(), scenario.probe())).run();
            progress.printf(Locale.ROOT, "[demo] %s: capacity probe %d at %.0f/s for %s: %.0f accepted/s (%d%% answered 503/429, %d timeouts)%n",
                    server.name(), i, scenario.probeRate(), human(scenario.probe()), p.goodputPerSecond(),
                    Math.round(100.0 * (p.unavailable() + p.tooManyRequests()) / Math.max(1, p.sent())), p.timeouts());
            if (probe == null || p.goodputPerSecond() > capacity) {
                probe = p;
                capacity = p.goodputPerSecond();
            }
        }
        if (capacity < 1) {
            throw new IllegalStateException("the capacity probe completed no job (the machine may be too busy):\n"
                    + probe.toText() + "server output:\n" + server.lastOutput());
        }
        return capacity;
    }

    /**
     * Sends at the warm-up rate in rounds of {@value #WARMUP_ROUND_SECONDS} s, with a generous timeout,
     * until a round gets 90% accepted (class loading and JIT done on both sides) or the warm-up time is
     * used up; nothing is recorded. On a busy machine a cold JVM takes seconds to answer its first requests.
     */
    public boolean warmUp(ServerProcess server) throws InterruptedException {
        long end = System.nanoTime() + scenario.warmup().toNanos();
        int round = 0;
        while (System.nanoTime() - end < 0) {
            LoadPlan p = LoadPlan.builder(server.uri() + "/jobs?wait=true").rate(new Rate(scenario.warmupRate()))
                    .duration(Duration.ofSeconds(WARMUP_ROUND_SECONDS)).body(scenario.jobBody()).clients(scenario.clients())
                    .timeout(Duration.ofSeconds(10)).maxInFlight(scenario.maxInFlight()).build();
            LoadReport w = new LoadGenerator(p).run();
            round++;
            progress.printf(Locale.ROOT, "[demo] %s: warm-up round %d at %.0f/s: %d of %d accepted, p99 %.0f ms%n",
                    server.name(), round, scenario.warmupRate(), w.accepted(), w.sent(), w.acceptedLatency().p99Millis());
            if (w.accepted() >= 0.9 * w.sent() && w.acceptedLatency().p99Millis() < scenario.timeout().toMillis() / 2.0) {
                return true;
            }
        }
        progress.printf(Locale.ROOT, "[demo] %s: still slow after %s of warm-up: the machine is too busy for "
                + "these figures to mean much%n", server.name(), human(scenario.warmup()));
        return false;
    }

    /**
     * Warms this JVM's generator (its HTTP client and JIT), not a measured server: sends at {@code rate} for
     * {@code duration} to {@code throwaway}, a server started for this alone, and records nothing. The
     * generator runs in this JVM for every server of a comparison, so without this the first server
     * measured at the overload rate shares the machine with a generator whose compiler is still busy with
     * that rate's profile, and the servers measured after it do not (see docs/bench/issue5-overload.md).
     */
    public void warmGenerator(ServerProcess throwaway, double rate, Duration duration) throws InterruptedException {
        warmUp(throwaway);
        LoadReport r = new LoadGenerator(plan(throwaway, rate, duration)).run();
        progress.printf(Locale.ROOT, "[demo] generator warm-up against %s: %.0f/s for %s (not recorded; %d sent)%n",
                throwaway.name(), rate, human(duration), r.sent());
    }

    private static final int WARMUP_ROUND_SECONDS = 2;
    private static final int PROBES = 3;

    /** Runs the three phases against {@code server} at rates derived from {@code capacity}. */
    public ServerRun run(ServerProcess server, double capacity, boolean warmFirst) throws InterruptedException {
        boolean warmed = warmFirst ? warmUp(server) : warm;
        List<PhaseResult> phases = new ArrayList<>();
        try (ServerSampler sampler = new ServerSampler(server)) {
            sampler.takePeaks();
            phases.add(phase(server, sampler, "normal", capacity, scenario.normal()));
            phases.add(phase(server, sampler, "overload", capacity * scenario.overloadFactor(), scenario.overload()));
            phases.add(phase(server, sampler, "recovery", capacity, scenario.recovery()));
        }
        return new ServerRun(server.name(), capacity, phases, server.peakRssKb() / 1024.0, warmed);
    }

    private PhaseResult phase(ServerProcess server, ServerSampler sampler, String name, double rate, Duration d)
            throws InterruptedException {
        double rssStart = server.rssKb() / 1024.0;
        LoadReport r = new LoadGenerator(plan(server, rate, d)).run();
        ServerSampler.Peaks peaks = sampler.takePeaks();
        progress.printf(Locale.ROOT, "[demo] %s: %-8s %5.0f/s for %-4s goodput %5.0f/s, 503/429 %4.1f%%, p99 accepted %6.1f ms, timeouts %d%n",
                server.name(), name, rate, human(d), r.goodputPerSecond(),
                100.0 * (r.unavailable() + r.tooManyRequests()) / Math.max(1, r.sent()),
                r.acceptedLatency().p99Millis(), r.timeouts());
        return new PhaseResult(name, r, rssStart, peaks);
    }

    static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + "s" : String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
    }
}
