package dev.sluice.bench.overload;

import dev.sluice.load.overload.ComparisonTable;
import dev.sluice.load.overload.Demo;
import dev.sluice.load.overload.OverloadDriver;
import dev.sluice.load.overload.PhaseResult;
import dev.sluice.load.overload.Scenario;
import dev.sluice.load.overload.ServerProcess;
import dev.sluice.load.overload.ServerRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Issue 5's overload measurement: the job server behind sluice's admission control, in naive mode,
 * behind Netflix's concurrency-limits filter, and again behind sluice's with {@code --order fifo}, each in
 * a fresh JVM, each driven through the same phases at the same rates (normal load at the capacity measured on the sluice server first, 60 s at ten times that,
 * then recovery), and one table side by side with the targets checked.
 *
 * <p>Run: {@code ./sluice overload} (or {@code ./sluice overload quick} for a short smoke run); every
 * server gets {@code --workers N} workers, by default one per core, at most 4 ({@link Demo#DEFAULT_WORKERS}).
 */
public final class OverloadRun {

    private OverloadRun() {
    }

    /** How long the generator is warmed at the overload rate before the first measured phases (full run). */
    static final Duration GENERATOR_WARM_UP = Duration.ofSeconds(30);

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        int workers = Demo.DEFAULT_WORKERS;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "quick" -> quick = true;
                case "--workers" -> {
                    if (i + 1 == args.length) {
                        throw new IllegalArgumentException("--workers needs a number");
                    }
                    workers = Integer.parseInt(args[++i]);
                }
                default -> throw new IllegalArgumentException("unknown argument '" + args[i]
                        + "'; usage: overload [quick] [--workers N]");
            }
        }
        List<String> flags = Demo.serverFlags(workers);
        Scenario s = quick ? Scenario.demo() : Scenario.full();
        System.out.println("# overload run (" + (quick ? "quick" : "full") + "), JDK " + Runtime.version()
                + ", " + Runtime.getRuntime().availableProcessors() + " CPUs, " + workers + " workers and a queue of "
                + Demo.queueFor(workers) + " per server; load before: "
                + loadAverage());
        OverloadDriver driver = new OverloadDriver(s, System.out);
        List<ServerRun> runs = new ArrayList<>();
        double capacity;
        try (ServerProcess sluice = ServerProcess.start("sluice", Demo.SERVER_JVM, Demo.SERVER_MAIN, flags,
                Duration.ofSeconds(60))) {
            capacity = driver.measureCapacity(sluice);
            // The generator (this JVM) is warmed at the overload rate on a server of its own, so that the
            // first server measured does not share the machine with its compiler (the others never did).
            try (ServerProcess throwaway = ServerProcess.start("generator-warm-up", Demo.SERVER_JVM, Demo.SERVER_MAIN,
                    flags, Duration.ofSeconds(60))) {
                driver.warmGenerator(throwaway, capacity * s.overloadFactor(), quick ? Duration.ofSeconds(5)
                        : GENERATOR_WARM_UP);
            }
            runs.add(driver.run(sluice, capacity, false));
        }
        System.out.println("[run] load after sluice: " + loadAverage());
        List<String> naiveFlags = new ArrayList<>(flags);
        naiveFlags.add("--naive");
        try (ServerProcess naive = ServerProcess.start("naive", Demo.SERVER_JVM, Demo.SERVER_MAIN, naiveFlags,
                Duration.ofSeconds(60))) {
            runs.add(driver.run(naive, capacity, true));
        }
        System.out.println("[run] load after naive: " + loadAverage());
        try (ServerProcess netflix = ServerProcess.start("netflix", Demo.SERVER_JVM,
                NetflixGuardedServer.class.getName(), List.of(Integer.toString(workers)), Duration.ofSeconds(60))) {
            runs.add(driver.run(netflix, capacity, true));
        }
        System.out.println("[run] load after netflix: " + loadAverage());
        // The same sluice server with waiting requests served first-come first-served (the server's
        // default is newest first with early shedding): shows what the wait order alone changes.
        List<String> fifoFlags = new ArrayList<>(flags);
        fifoFlags.addAll(List.of("--order", "fifo"));
        try (ServerProcess fifo = ServerProcess.start("sluice-fifo", Demo.SERVER_JVM, Demo.SERVER_MAIN, fifoFlags,
                Duration.ofSeconds(60))) {
            runs.add(driver.run(fifo, capacity, true));
        }
        System.out.println("[run] load after sluice-fifo: " + loadAverage());
        System.out.println();
        System.out.println("```");
        System.out.print(ComparisonTable.text(runs, s));
        System.out.println("```");
        System.out.println();
        for (String line : Demo.verdict(runs.get(0), runs.get(1), s)) {
            System.out.println(line);
        }
        System.out.println();
        targets(runs.get(0), s).forEach(System.out::println);
        System.out.println();
        ComparisonTable.machine(runs).forEach(l -> System.out.println("    " + l));
    }

    /** Issue 5's four targets for the sluice server, each with its measured figure and whether it is met. */
    static List<String> targets(ServerRun sluice, Scenario s) {
        PhaseResult normal = sluice.phase("normal");
        PhaseResult over = sluice.phase("overload");
        double goodputRatio = over.report().goodputPerSecond() / normal.report().goodputPerSecond();
        double p99 = over.report().acceptedLatency().p99Millis();
        double p99Bound = 100 + 1.5 * s.serviceMillis();
        double maxReject = over.report().rejectedLatency().maxMillis();
        double growth = over.rssGrowthMb();
        List<String> out = new ArrayList<>();
        out.add("| target | measured | met |");
        out.add("|---|---|---|");
        out.add(String.format(Locale.ROOT, "| goodput at %.0fx >= 95%% of normal-load goodput | %.0f/s vs %.0f/s = %.1f%% | %s |",
                s.overloadFactor(), over.report().goodputPerSecond(), normal.report().goodputPerSecond(),
                100 * goodputRatio, yes(goodputRatio >= 0.95)));
        out.add(String.format(Locale.ROOT, "| p99 of accepted <= wait + 1.5 x service = %.0f ms | %.1f ms | %s |",
                p99Bound, p99, yes(p99 <= p99Bound)));
        out.add(String.format(Locale.ROOT, "| zero client timeouts | %d | %s |", over.report().timeouts(),
                yes(over.report().timeouts() == 0)));
        out.add(String.format(Locale.ROOT, "| every 503/429 within wait + 50 ms = 150 ms | max %.1f ms, p99 %.1f ms | %s |",
                maxReject, over.report().rejectedLatency().p99Millis(), yes(maxReject <= 150)));
        out.add(String.format(Locale.ROOT, "| RSS growth under 64 MiB | %.1f MiB | %s |", growth, yes(growth < 64)));
        return out;
    }

    private static String yes(boolean b) {
        return b ? "yes" : "**no**";
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
