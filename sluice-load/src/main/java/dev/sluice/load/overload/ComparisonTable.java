package dev.sluice.load.overload;

import dev.sluice.load.LoadReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Prints server runs side by side, one column per server, and the same figures as {@code key=value} lines
 * for scripts and tests ({@code <server>.<phase>.<figure>=<number>}).
 */
public final class ComparisonTable {

    private ComparisonTable() {
    }

    private record Row(String label, Function<PhaseResult, String> cell) {
    }

    private static final String[] PHASES = {"normal", "overload", "recovery"};

    /** The table. */
    public static String text(List<ServerRun> runs, Scenario scenario) {
        List<Row> rows = List.of(
                new Row("goodput (accepted/s)", p -> f0(p.report().goodputPerSecond())),
                new Row("503 share", p -> pct(p.report().unavailableShare())),
                new Row("429 share", p -> pct(p.report().sent() == 0 ? 0 : (double) p.report().tooManyRequests() / p.report().sent())),
                new Row("p99 accepted (ms)", p -> f1(p.report().acceptedLatency().p99Millis())),
                new Row("max 503/429 answer (ms)", p -> f1(p.report().rejectedLatency().maxMillis())),
                new Row("client timeouts", p -> Long.toString(p.report().timeouts())),
                // Latency counts from each request's intended start, so a generator that falls behind
                // (GC, no core free) adds its lateness to every answer: shown, so a reader can tell.
                new Row("generator's latest start (ms)", p -> f1(p.report().maxStartLagMillis())),
                new Row("other errors", p -> Long.toString(p.report().otherErrors())),
                new Row("server peak heap (MiB)", p -> f0(p.peaks().heapMb())),
                new Row("server peak RSS (MiB)", p -> f0(p.peaks().rssMb())));
        StringBuilder b = new StringBuilder();
        int w = 16;
        b.append(String.format(Locale.ROOT, "%-30s", ""));
        for (ServerRun r : runs) {
            b.append(String.format(Locale.ROOT, "%" + w + "s", r.name()));
        }
        b.append('\n');
        for (String phase : PHASES) {
            PhaseResult first = runs.getFirst().phase(phase);
            b.append(String.format(Locale.ROOT, "%s, %.0f/s for %s%n", phase, first.report().plan().rate().perSecond(),
                    OverloadDriver.human(first.report().plan().duration())));
            for (Row row : rows) {
                b.append(String.format(Locale.ROOT, "  %-28s", row.label()));
                for (ServerRun r : runs) {
                    b.append(String.format(Locale.ROOT, "%" + w + "s", row.cell().apply(r.phase(phase))));
                }
                b.append('\n');
            }
        }
        b.append(String.format(Locale.ROOT, "%-30s", "RSS growth in overload (MiB)"));
        for (ServerRun r : runs) {
            b.append(String.format(Locale.ROOT, "%" + w + "s", f0(r.phase("overload").rssGrowthMb())));
        }
        b.append('\n');
        b.append(String.format(Locale.ROOT, "%-30s", "server peak RSS, VmHWM (MiB)"));
        for (ServerRun r : runs) {
            b.append(String.format(Locale.ROOT, "%" + w + "s", f0(r.peakRssMb())));
        }
        b.append('\n');
        b.append(String.format(Locale.ROOT, "%-30s", "warmed up (prompt answers)"));
        for (ServerRun r : runs) {
            b.append(String.format(Locale.ROOT, "%" + w + "s", r.warmedUp() ? "yes" : "NO (busy)"));
        }
        b.append('\n');
        b.append(String.format(Locale.ROOT,
                "capacity %.0f/s measured at the start (probe at %.0f/s); job %s; %d clients; client timeout %s%n",
                runs.getFirst().capacity(), scenario.probeRate(), scenario.jobBody(), scenario.clients(),
                OverloadDriver.human(scenario.timeout())));
        return b.toString();
    }

    /** The same figures as {@code key=value} lines. */
    public static List<String> machine(List<ServerRun> runs) {
        List<String> out = new ArrayList<>();
        for (ServerRun r : runs) {
            String n = r.name();
            out.add(n + ".capacity=" + f1(r.capacity()));
            out.add(n + ".warmedUp=" + r.warmedUp());
            out.add(n + ".peakRssMb=" + f1(r.peakRssMb()));
            out.add(n + ".peakHeapMb=" + f1(r.peakHeapMb()));
            for (PhaseResult p : r.phases()) {
                LoadReport rep = p.report();
                String k = n + "." + p.phase() + ".";
                out.add(k + "rate=" + f1(rep.plan().rate().perSecond()));
                out.add(k + "sent=" + rep.sent());
                out.add(k + "notSent=" + rep.notSent());
                out.add(k + "accepted=" + rep.accepted());
                out.add(k + "status503=" + rep.unavailable());
                out.add(k + "status429=" + rep.tooManyRequests());
                out.add(k + "timeouts=" + rep.timeouts());
                out.add(k + "otherErrors=" + rep.otherErrors());
                out.add(k + "goodput=" + f1(rep.goodputPerSecond()));
                out.add(k + "p99AcceptedMs=" + f1(rep.acceptedLatency().p99Millis()));
                out.add(k + "p50AcceptedMs=" + f1(rep.acceptedLatency().p50Millis()));
                out.add(k + "maxRejectedMs=" + f1(rep.rejectedLatency().maxMillis()));
                out.add(k + "maxStartLagMs=" + f1(rep.maxStartLagMillis()));
                out.add(k + "p99RejectedMs=" + f1(rep.rejectedLatency().p99Millis()));
                out.add(k + "peakHeapMb=" + f1(p.peaks().heapMb()));
                out.add(k + "peakRssMb=" + f1(p.peaks().rssMb()));
                out.add(k + "rssGrowthMb=" + f1(p.rssGrowthMb()));
            }
        }
        return out;
    }

    private static String f0(double v) {
        return v < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f", v);
    }

    private static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }
}
