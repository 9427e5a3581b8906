package dev.sluice.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the side-by-side channel benchmarks and writes {@code docs/BENCHMARKS.md}.
 *
 * <p>Every valid case of {@link ChannelThroughputBenchmark} (implementation x capacity x shape x thread
 * kind) runs through JMH's programmatic {@link Runner} in its own forked JVMs; the per-iteration scores of
 * all forks give the median and the min-max range. An allocation pass repeats the buffered 1/1
 * platform-thread case for sluice and ArrayBlockingQueue with JMH's GC profiler. If a Go benchmark binary
 * is given, it runs the same shapes on goroutines. The report is the template
 * {@code BENCHMARKS.md.tmpl} (next to this class) with its {@code {{PLACEHOLDERS}}} filled in; the prose
 * lives there, the numbers and the target verdicts are computed here from this run only.
 *
 * <p>Usually started by {@code sluice-bench/run.sh}; arguments:
 *
 * <pre>
 *   --mode quick|full       quick: 1 fork, short iterations (smoke test); full: the published settings
 *   --out FILE              the Markdown report to write
 *   --results DIR           where raw data and JMH logs go (default sluice-bench/results)
 *   --go FILE               the compiled Go benchmark (sluice-bench/go/chanbench.go); omit to skip Go
 *   --go-note TEXT          why Go was skipped, shown in the report
 *   --command TEXT          the command that reproduces this run, shown in the report
 *   --revision TEXT         the source revision, shown in the report
 * </pre>
 */
public final class BenchmarkReport {

    /** How long and how often to measure. */
    record Settings(int forks, int warmupIterations, Duration warmupTime, int iterations, Duration iterationTime,
                    int goWarmup, int goRuns, Duration goIteration) {

        String describeJmh() {
            return forks + (forks == 1 ? " fork" : " forks") + " per case, " + warmupIterations + " warm-up x "
                    + millis(warmupTime) + " + " + iterations + " measured x " + millis(iterationTime)
                    + " iterations per fork";
        }

        String describeGo() {
            return goWarmup + " warm-up + " + goRuns + " measured iterations of at least " + millis(goIteration)
                    + " per case, GOMAXPROCS = all cores";
        }

        private static String millis(Duration d) {
            return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
        }
    }

    /** Published numbers: about 20-25 minutes on 2 cores. */
    static final Settings FULL = new Settings(2, 3, Duration.ofSeconds(1), 5, Duration.ofSeconds(1),
            2, 8, Duration.ofSeconds(1));

    /** Smoke test: a few minutes. */
    static final Settings QUICK = new Settings(1, 1, Duration.ofMillis(500), 3, Duration.ofMillis(500),
            1, 3, Duration.ofMillis(300));

    static final int[] CAPACITIES = {0, 1, 16, 1024};
    static final String[] SHAPES = {"1x1", "4x4"};
    static final String[] THREAD_KINDS = {"platform", "virtual"};

    /**
     * The allocation target: fewer bytes per item than this, allocated by the producer and consumer threads
     * while transferring, counts as no steady-state allocation (under one 16-byte object per 1,600 items).
     */
    static final double ZERO_ALLOCATION_THRESHOLD = 0.01;

    /** The benchmarked capacity of the allocation pass. */
    static final int ALLOCATION_CAPACITY = 1024;

    /** One benchmark case. */
    record Case(ChannelType impl, int capacity, String shape, String threads) {
        String id() {
            return impl.name().toLowerCase(Locale.ROOT) + "-c" + capacity + "-" + shape + "-" + threads;
        }
    }

    /** Samples of one case, with the summary statistics the report quotes. */
    record Samples(List<Double> values) {
        Samples {
            values = values.stream().sorted().toList();
            if (values.isEmpty()) {
                throw new IllegalArgumentException("no samples");
            }
        }

        double median() {
            int n = values.size();
            return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
        }

        double min() {
            return values.getFirst();
        }

        double max() {
            return values.getLast();
        }
    }

    /**
     * The outcome of one case: throughput samples (items/s) and, from the allocation pass, bytes allocated
     * per item by the whole JVM and by the producer and consumer threads alone; or why there are none.
     */
    record Outcome(Samples samples, Samples bytesPerItem, Samples workerBytesPerItem, String error) {
        static Outcome of(List<Double> values, List<Double> bytes, List<Double> workerBytes) {
            if (values.isEmpty()) {
                return failed("no results");
            }
            return new Outcome(new Samples(values), bytes.isEmpty() ? null : new Samples(bytes),
                    workerBytes.isEmpty() ? null : new Samples(workerBytes), null);
        }

        static Outcome failed(String error) {
            return new Outcome(null, null, null, error);
        }

        Optional<Double> median() {
            return samples == null ? Optional.empty() : Optional.of(samples.median());
        }

        Optional<Double> bytesMedian() {
            return bytesPerItem == null ? Optional.empty() : Optional.of(bytesPerItem.median());
        }
    }

    private final Settings settings;
    private final String mode;
    private final Path out;
    private final Path resultsDir;
    private final Path goBinary;
    private final String goNote;
    private final String command;
    private final String revision;

    private final Map<Case, Outcome> throughput = new LinkedHashMap<>();
    private final Map<Case, Outcome> allocation = new LinkedHashMap<>();
    private final Map<String, Outcome> go = new LinkedHashMap<>(); // key: shape + "/" + capacity
    private String goVersion = "not run";
    private String goFailure;
    private final List<String> rawRows = new ArrayList<>();
    private final LoadSampler load = new LoadSampler();

    private BenchmarkReport(Map<String, String> args) {
        this.mode = args.getOrDefault("mode", "full");
        this.settings = switch (mode) {
            case "full" -> FULL;
            case "quick" -> QUICK;
            default -> throw new IllegalArgumentException("--mode must be quick or full, was " + mode);
        };
        this.out = Path.of(args.getOrDefault("out", "docs/BENCHMARKS.md"));
        this.resultsDir = Path.of(args.getOrDefault("results", "sluice-bench/results"));
        this.goBinary = args.containsKey("go") ? Path.of(args.get("go")) : null;
        this.goNote = args.getOrDefault("go-note", "no Go benchmark binary was given");
        this.command = args.getOrDefault("command", mode.equals("quick") ? "./sluice bench quick" : "./sluice bench");
        this.revision = args.getOrDefault("revision", "unknown");
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--") || i + 1 >= argv.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + String.join(" ", argv));
            }
            args.put(argv[i].substring(2), argv[++i]);
        }
        new BenchmarkReport(args).run();
    }

    private void run() throws IOException, InterruptedException {
        Files.createDirectories(resultsDir.resolve("jmh"));
        Instant started = Instant.now();
        load.start();
        List<Case> cases = throughputCases();
        long expectedSeconds = estimateSeconds(cases.size());
        log("mode %s: %d throughput cases, %d allocation cases, Go %s; expect about %d min",
                mode, cases.size(), 2, goBinary == null ? "skipped" : "included", (expectedSeconds + 59) / 60);
        int done = 0;
        for (Case c : cases) {
            Outcome o = runCase(c, false);
            throughput.put(c, o);
            done++;
            log("[%d/%d] %-44s %s", done, cases.size(), c.id(),
                    o.samples == null ? "FAILED: " + o.error : millions(o.samples.median()) + " M items/s");
        }
        for (ChannelType impl : List.of(ChannelType.SLUICE, ChannelType.ARRAY_BLOCKING_QUEUE)) {
            Case c = new Case(impl, ALLOCATION_CAPACITY, "1x1", "platform");
            Outcome o = runCase(c, true);
            allocation.put(c, o);
            log("[alloc] %-38s %s", c.id(),
                    o.samples == null ? "FAILED: " + o.error
                            : String.format(Locale.ROOT, "%.3f B/item", o.bytesPerItem.median()));
        }
        if (goBinary != null) {
            runGo();
        }
        load.stop();
        Instant finished = Instant.now();
        Files.write(resultsDir.resolve("raw-" + mode + ".csv"), rawRows, StandardCharsets.UTF_8);
        String report = render(started, finished);
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(out, report, StandardCharsets.UTF_8);
        log("wrote %s (raw samples in %s)", out, resultsDir.resolve("raw-" + mode + ".csv"));
    }

    /** Valid cases, ordered so that the implementations of one shape run next to each other in time. */
    static List<Case> throughputCases() {
        List<Case> cases = new ArrayList<>();
        for (String threads : THREAD_KINDS) {
            for (String shape : SHAPES) {
                for (int capacity : CAPACITIES) {
                    for (ChannelType impl : ChannelType.values()) {
                        if (impl.supports(capacity)) {
                            cases.add(new Case(impl, capacity, shape, threads));
                        }
                    }
                }
            }
        }
        return cases;
    }

    private long estimateSeconds(int caseCount) {
        long perFork = settings.warmupIterations * settings.warmupTime.toMillis()
                + settings.iterations * settings.iterationTime.toMillis() + 1500; // + JVM start and slow batches
        long jmh = (caseCount + 2) * settings.forks * perFork / 1000;
        long goCases = (long) SHAPES.length * CAPACITIES.length;
        long goTime = goBinary == null ? 0
                : goCases * (settings.goWarmup + settings.goRuns) * settings.goIteration.toMillis() / 1000;
        return jmh + goTime;
    }

    private Outcome runCase(Case c, boolean allocationPass) {
        Path logFile = resultsDir.resolve("jmh").resolve((allocationPass ? "alloc-" : "") + c.id() + ".txt");
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(Pattern.quote(ChannelThroughputBenchmark.class.getName()) + "\\.transfer$")
                .param("impl", c.impl.name())
                .param("capacity", Integer.toString(c.capacity))
                .param("shape", c.shape)
                .param("threads", c.threads)
                .forks(settings.forks)
                .warmupIterations(settings.warmupIterations)
                .warmupTime(TimeValue.milliseconds(settings.warmupTime.toMillis()))
                .measurementIterations(settings.iterations)
                .measurementTime(TimeValue.milliseconds(settings.iterationTime.toMillis()))
                .jvmArgsAppend("-Xms1g", "-Xmx1g")
                .shouldFailOnError(true)
                .output(logFile.toString());
        if (allocationPass) {
            options.addProfiler(GCProfiler.class);
        }
        Collection<RunResult> results;
        try {
            results = new Runner(options.build()).run();
        } catch (RunnerException | RuntimeException e) {
            return Outcome.failed(firstLine(e) + " (see " + logFile + ")");
        }
        List<Double> values = new ArrayList<>();
        List<Double> bytes = new ArrayList<>();
        List<Double> workerBytes = new ArrayList<>();
        for (RunResult rr : results) {
            int fork = 0;
            for (BenchmarkResult br : rr.getBenchmarkResults()) {
                fork++;
                int iteration = 0;
                for (IterationResult ir : br.getIterationResults()) {
                    iteration++;
                    double value = ir.getPrimaryResult().getScore();
                    values.add(value);
                    raw(allocationPass ? "alloc_pass_items_per_sec" : "items_per_sec", c, fork, iteration, value);
                    if (allocationPass) {
                        Result<?> norm = ir.getSecondaryResults().get("gc.alloc.rate.norm");
                        if (norm == null) {
                            return Outcome.failed("the GC profiler reported no gc.alloc.rate.norm (see " + logFile + ")");
                        }
                        bytes.add(norm.getScore());
                        raw("alloc_bytes_per_item", c, fork, iteration, norm.getScore());
                        Result<?> workerAllocated = ir.getSecondaryResults().get("workerAllocatedBytes");
                        Result<?> items = ir.getSecondaryResults().get("itemsMoved");
                        if (workerAllocated != null && items != null && items.getScore() > 0) {
                            double perItem = workerAllocated.getScore() / items.getScore();
                            workerBytes.add(perItem);
                            raw("worker_alloc_bytes_per_item", c, fork, iteration, perItem);
                        }
                    }
                }
            }
        }
        if (allocationPass && bytes.isEmpty()) {
            return Outcome.failed("no allocation samples (see " + logFile + ")");
        }
        return Outcome.of(values, bytes, workerBytes);
    }

    private void raw(String metric, Case c, int fork, int iteration, double value) {
        rawRows.add(String.join(",", metric, c.impl.label(), Integer.toString(c.capacity), c.shape, c.threads,
                Integer.toString(fork), Integer.toString(iteration), String.format(Locale.ROOT, "%.4f", value)));
    }

    private void runGo() throws IOException, InterruptedException {
        log("running Go (%s)", settings.describeGo());
        List<String> cmd = List.of(goBinary.toString(),
                "-warmup", Integer.toString(settings.goWarmup),
                "-runs", Integer.toString(settings.goRuns),
                "-iter", settings.goIteration.toMillis() + "ms");
        Process process = new ProcessBuilder(cmd)
                .redirectError(resultsDir.resolve("go-" + mode + ".stderr.txt").toFile())
                .start();
        Map<String, List<Double>> values = new LinkedHashMap<>();
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.add(line);
                if (line.startsWith("# go")) {
                    goVersion = line.substring(2).trim();
                } else if (line.startsWith("result\t")) {
                    String[] f = line.split("\t");
                    String key = f[1] + "/" + f[2];
                    double v = Double.parseDouble(f[4]);
                    values.computeIfAbsent(key, k -> new ArrayList<>()).add(v);
                    rawRows.add(String.join(",", "items_per_sec", "Go", f[2], f[1], "goroutines", "1", f[3],
                            String.format(Locale.ROOT, "%.4f", v)));
                }
            }
        }
        int exit = process.waitFor();
        Files.write(resultsDir.resolve("go-" + mode + ".tsv"), lines, StandardCharsets.UTF_8);
        if (exit != 0) {
            goFailure = "the Go benchmark exited with status " + exit + " (see "
                    + resultsDir.resolve("go-" + mode + ".stderr.txt") + ")";
            log("%s", goFailure);
        }
        values.forEach((k, v) -> go.put(k, Outcome.of(v, List.of(), List.of())));
        for (String shape : SHAPES) {
            for (int capacity : CAPACITIES) {
                Outcome o = go.get(shape + "/" + capacity);
                log("[go] %-10s %s", shape + " c" + capacity,
                        o == null ? "missing" : millions(o.samples.median()) + " M items/s");
            }
        }
    }

    // ---------------------------------------------------------------- rendering

    private String render(Instant started, Instant finished) throws IOException {
        Map<String, String> fill = new LinkedHashMap<>();
        fill.put("MODE_NOTE", modeNote());
        fill.put("ENVIRONMENT", environment(started, finished));
        fill.put("COMMAND", command);
        fill.put("JMH_SETTINGS", settings.describeJmh());
        fill.put("GO_SETTINGS", goBinary == null ? "not run: " + goNote : settings.describeGo());
        fill.put("BATCH", String.format(Locale.ROOT, "%,d", ChannelThroughputBenchmark.BATCH));
        fill.put("THROUGHPUT", throughputTables());
        fill.put("RATIOS", ratioTable());
        fill.put("ALLOCATION", allocationTable());
        fill.put("TARGETS", targets());
        fill.put("FAILURES", failures());
        fill.put("ZERO_ALLOCATION_THRESHOLD", Double.toString(ZERO_ALLOCATION_THRESHOLD));
        fill.put("APPENDIX", appendix());
        String text = readTemplate();
        for (Map.Entry<String, String> e : fill.entrySet()) {
            text = text.replace("{{" + e.getKey() + "}}", e.getValue());
        }
        if (text.contains("{{")) {
            throw new IllegalStateException("unfilled placeholder in the template near: "
                    + text.substring(text.indexOf("{{"), Math.min(text.length(), text.indexOf("{{") + 40)));
        }
        return text;
    }

    private String modeNote() {
        if (mode.equals("quick")) {
            return "> **QUICK RUN — smoke test only.** These numbers come from `" + command + "` (1 fork, short"
                    + " iterations), usually on a machine busy with other work. Do not quote them; regenerate with"
                    + " `./sluice bench` on a quiet machine for real numbers.\n";
        }
        return "> Full run. All numbers and verdicts below come from this one run.\n";
    }

    private String environment(Instant started, Instant finished) {
        StringBuilder sb = new StringBuilder();
        DateTimeFormatter f = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);
        Duration took = Duration.between(started, finished);
        row(sb, "Date", f.format(started) + " (took " + took.toMinutes() + " min " + took.toSecondsPart() + " s)");
        row(sb, "Mode", mode);
        row(sb, "Revision", "`" + revision + "`");
        row(sb, "CPU", Runtime.getRuntime().availableProcessors() + " cores available to the JVM, "
                + cpuModel() + " (" + onlineCpus() + ")");
        row(sb, "Memory", memory());
        row(sb, "OS", osName());
        row(sb, "JDK", System.getProperty("java.vm.vendor", "?") + " " + System.getProperty("java.vm.name", "?")
                + " " + System.getProperty("java.runtime.version", "?"));
        row(sb, "Go", goBinary == null ? "not run: " + goNote : goVersion);
        row(sb, "Load average (1 min)", load.describe());
        return sb.toString();
    }

    private static void row(StringBuilder sb, String key, String value) {
        sb.append("| ").append(key).append(" | ").append(value.replace("|", "\\|")).append(" |\n");
    }

    private String throughputTables() {
        StringBuilder sb = new StringBuilder();
        for (String threads : THREAD_KINDS) {
            for (String shape : SHAPES) {
                sb.append("#### ").append(shapeTitle(shape)).append(", ").append(threads).append(" threads\n\n");
                sb.append("| capacity |");
                for (ChannelType t : ChannelType.values()) {
                    sb.append(' ').append(t.label()).append(" |");
                }
                sb.append(" Go (goroutines) |\n|---:|");
                sb.append("---:|".repeat(ChannelType.values().length + 1)).append('\n');
                for (int capacity : CAPACITIES) {
                    sb.append("| ").append(capacity).append(" |");
                    for (ChannelType t : ChannelType.values()) {
                        sb.append(' ').append(cell(t, capacity, shape, threads)).append(" |");
                    }
                    sb.append(' ').append(goCell(shape, capacity)).append(" |\n");
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    private static String shapeTitle(String shape) {
        String[] pc = shape.split("x");
        return pc[0] + (pc[0].equals("1") ? " producer" : " producers") + " / " + pc[1]
                + (pc[1].equals("1") ? " consumer" : " consumers");
    }

    private String cell(ChannelType t, int capacity, String shape, String threads) {
        if (!t.supports(capacity)) {
            return "—";
        }
        return rangeCell(throughput.get(new Case(t, capacity, shape, threads)));
    }

    private String goCell(String shape, int capacity) {
        if (goBinary == null) {
            return "not run";
        }
        return rangeCell(go.get(shape + "/" + capacity));
    }

    private static String rangeCell(Outcome o) {
        if (o == null) {
            return "not run";
        }
        if (o.samples == null) {
            return "failed";
        }
        Samples s = o.samples;
        return "**" + millions(s.median()) + "** (" + millions(s.min()) + "–" + millions(s.max()) + ")";
    }

    /** Millions, to three significant digits. */
    static String millions(double itemsPerSecond) {
        double m = itemsPerSecond / 1e6;
        String pattern = m >= 100 ? "%.0f" : m >= 10 ? "%.1f" : m >= 1 ? "%.2f" : "%.3f";
        return String.format(Locale.ROOT, pattern, m);
    }

    private Optional<Double> median(ChannelType t, int capacity, String shape, String threads) {
        Outcome o = throughput.get(new Case(t, capacity, shape, threads));
        return o == null ? Optional.empty() : o.median();
    }

    private Optional<Double> goMedian(String shape, int capacity) {
        Outcome o = go.get(shape + "/" + capacity);
        return o == null ? Optional.empty() : o.median();
    }

    /** sluice's median divided by the peer's, if both were measured. */
    private Optional<Double> ratio(ChannelType peer, int capacity, String shape, String threads) {
        Optional<Double> mine = median(ChannelType.SLUICE, capacity, shape, threads);
        Optional<Double> theirs = median(peer, capacity, shape, threads);
        return mine.isPresent() && theirs.isPresent() ? Optional.of(mine.get() / theirs.get()) : Optional.empty();
    }

    private Optional<Double> goRatio(int capacity, String shape, String threads) {
        Optional<Double> mine = median(ChannelType.SLUICE, capacity, shape, threads);
        Optional<Double> theirs = goMedian(shape, capacity);
        return mine.isPresent() && theirs.isPresent() ? Optional.of(mine.get() / theirs.get()) : Optional.empty();
    }

    private static String ratioText(Optional<Double> r) {
        return r.map(v -> String.format(Locale.ROOT, "%.2f×", v)).orElse("—");
    }

    private String ratioTable() {
        List<ChannelType> peers = List.of(ChannelType.ARRAY_BLOCKING_QUEUE, ChannelType.LINKED_BLOCKING_QUEUE,
                ChannelType.SYNCHRONOUS_QUEUE, ChannelType.JOX);
        StringBuilder sb = new StringBuilder("| threads | shape | capacity |");
        for (ChannelType p : peers) {
            sb.append(" sluice / ").append(p.label()).append(" |");
        }
        sb.append(" sluice / Go |\n|---|---|---:|").append("---:|".repeat(peers.size() + 1)).append('\n');
        for (String threads : THREAD_KINDS) {
            for (String shape : SHAPES) {
                for (int capacity : CAPACITIES) {
                    sb.append("| ").append(threads).append(" | ").append(shape).append(" | ").append(capacity)
                            .append(" |");
                    for (ChannelType p : peers) {
                        sb.append(' ').append(ratioText(ratio(p, capacity, shape, threads))).append(" |");
                    }
                    sb.append(' ').append(ratioText(goRatio(capacity, shape, threads))).append(" |\n");
                }
            }
        }
        return sb.toString();
    }

    private String allocationTable() {
        StringBuilder sb = new StringBuilder("| implementation | B/item, whole JVM (`gc.alloc.rate.norm`) |"
                + " B/item, producer + consumer threads only | M items/s in the same iterations |\n"
                + "|---|---:|---:|---:|\n");
        for (Map.Entry<Case, Outcome> e : allocation.entrySet()) {
            Outcome o = e.getValue();
            sb.append("| ").append(e.getKey().impl.label()).append(" | ");
            if (o.samples == null) {
                sb.append("failed | failed | — |\n");
            } else {
                sb.append(bytesCell(o.bytesPerItem)).append(" | ").append(bytesCell(o.workerBytesPerItem))
                        .append(" | ").append(rangeCell(o)).append(" |\n");
            }
        }
        return sb.toString();
    }

    private static String bytesCell(Samples b) {
        return b == null ? "not measured"
                : String.format(Locale.ROOT, "**%.3f** (%.3f–%.3f)", b.median(), b.min(), b.max());
    }

    // ---------------------------------------------------------------- targets

    /** One checked condition of a target. */
    private record Check(String what, Optional<Double> measured, String need, Function<Double, Boolean> passes) {
        String status() {
            return measured.map(v -> passes.apply(v) ? "met" : "missed").orElse("not measured");
        }
    }

    private String targets() {
        StringBuilder sb = new StringBuilder();

        List<Check> a = new ArrayList<>();
        for (int capacity : new int[] {16, 1024}) {
            a.add(new Check("virtual 4/4, capacity " + capacity + ": sluice / ArrayBlockingQueue",
                    ratio(ChannelType.ARRAY_BLOCKING_QUEUE, capacity, "4x4", "virtual"), "≥ 2.00×", v -> v >= 2.0));
            a.add(new Check("virtual 4/4, capacity " + capacity + ": sluice / jox",
                    ratio(ChannelType.JOX, capacity, "4x4", "virtual"), "≥ 1.00×", v -> v >= 1.0));
        }
        target(sb, "(a) Buffered, virtual threads, 4 producers / 4 consumers: at least 2× ArrayBlockingQueue and"
                + " at least as fast as jox (capacities 16 and 1024)", a, BenchmarkReport::ratioText);

        List<Check> b = new ArrayList<>();
        for (String threads : THREAD_KINDS) {
            for (String shape : SHAPES) {
                b.add(new Check(threads + " " + shape.replace("x", "/") + ", capacity 0: sluice / SynchronousQueue",
                        ratio(ChannelType.SYNCHRONOUS_QUEUE, 0, shape, threads), "≥ 1.00×", v -> v >= 1.0));
            }
        }
        target(sb, "(b) Rendezvous (capacity 0) at least as fast as SynchronousQueue, in every shape and thread"
                + " kind", b, BenchmarkReport::ratioText);

        Outcome alloc = allocation.get(new Case(ChannelType.SLUICE, ALLOCATION_CAPACITY, "1x1", "platform"));
        List<Check> c = List.of(new Check("sluice, capacity " + ALLOCATION_CAPACITY
                + ", 1 platform producer / 1 platform consumer: median B/item allocated by the producer and"
                + " consumer threads",
                alloc == null || alloc.workerBytesPerItem == null ? Optional.empty()
                        : Optional.of(alloc.workerBytesPerItem.median()),
                "< " + ZERO_ALLOCATION_THRESHOLD + " B/item", v -> v < ZERO_ALLOCATION_THRESHOLD));
        target(sb, "(c) No steady-state allocation for buffered send/receive between platform threads", c,
                r -> r.map(v -> String.format(Locale.ROOT, "%.3f B/item", v)).orElse("—"));
        Optional.ofNullable(alloc).flatMap(Outcome::bytesMedian).ifPresent(v -> sb.append(String.format(Locale.ROOT, "Whole-JVM `gc.alloc.rate.norm`"
                + " in the same iterations: %.3f B/item (includes JMH and the harness).%n%n", v)));

        List<Check> d = new ArrayList<>();
        for (String shape : SHAPES) {
            for (int capacity : CAPACITIES) {
                d.add(new Check("virtual " + shape.replace("x", "/") + ", capacity " + capacity + ": sluice / Go",
                        goRatio(capacity, shape, "virtual"), "≥ 0.50×", v -> v >= 0.5));
            }
        }
        target(sb, "(d) Within 2× of Go's channels (sluice on virtual threads vs goroutines, every shape and"
                + " capacity)", d, BenchmarkReport::ratioText);
        if (goBinary == null) {
            sb.append("Go was not run: ").append(goNote).append(".\n\n");
        }
        return sb.toString();
    }

    private static void target(StringBuilder sb, String title, List<Check> checks,
                               Function<Optional<Double>, String> show) {
        boolean allMeasured = checks.stream().allMatch(ch -> ch.measured.isPresent());
        boolean allMet = allMeasured && checks.stream().allMatch(ch -> ch.status().equals("met"));
        long missed = checks.stream().filter(ch -> ch.status().equals("missed")).count();
        String verdict = allMet ? "**MET**"
                : missed > 0 ? "**MISSED** (" + missed + " of " + checks.size()
                        + (checks.size() == 1 ? " condition" : " conditions") + " not met)"
                : "**NOT MEASURED**";
        sb.append("#### ").append(title).append("\n\nVerdict: ").append(verdict).append("\n\n");
        sb.append("| condition | measured | needed | result |\n|---|---:|---:|---|\n");
        for (Check ch : checks) {
            sb.append("| ").append(ch.what).append(" | ").append(show.apply(ch.measured)).append(" | ")
                    .append(ch.need).append(" | ").append(ch.status()).append(" |\n");
        }
        sb.append('\n');
    }

    private String failures() {
        StringBuilder sb = new StringBuilder();
        throughput.forEach((c, o) -> {
            if (o.samples == null) {
                sb.append("- ").append(c.id()).append(": ").append(o.error).append('\n');
            }
        });
        allocation.forEach((c, o) -> {
            if (o.samples == null) {
                sb.append("- allocation ").append(c.id()).append(": ").append(o.error).append('\n');
            }
        });
        if (goFailure != null) {
            sb.append("- Go: ").append(goFailure).append('\n');
        }
        return sb.isEmpty() ? "None: every case produced results.\n" : sb.toString();
    }

    // ---------------------------------------------------------------- environment

    private static String cpuModel() {
        return readLines(Path.of("/proc/cpuinfo")).stream()
                .filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim())
                .findFirst().orElse(System.getProperty("os.arch"));
    }

    private static String onlineCpus() {
        long n = readLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("processor")).count();
        return n + " online in /proc/cpuinfo";
    }

    private static String memory() {
        return readLines(Path.of("/proc/meminfo")).stream()
                .filter(l -> l.startsWith("MemTotal:"))
                .map(l -> {
                    long kb = Long.parseLong(l.replaceAll("[^0-9]", ""));
                    return String.format(Locale.ROOT, "%.1f GiB", kb / 1024.0 / 1024.0);
                })
                .findFirst().orElse("unknown");
    }

    private static String osName() {
        String pretty = readLines(Path.of("/etc/os-release")).stream()
                .filter(l -> l.startsWith("PRETTY_NAME="))
                .map(l -> l.substring("PRETTY_NAME=".length()).replace("\"", ""))
                .findFirst().orElse(System.getProperty("os.name"));
        return pretty + ", kernel " + System.getProperty("os.version") + " " + System.getProperty("os.arch");
    }

    private static List<String> readLines(Path p) {
        try {
            return Files.readAllLines(p, StandardCharsets.UTF_8);
        } catch (IOException | UncheckedIOException e) {
            return List.of();
        }
    }

    private static String readTemplate() throws IOException {
        try (InputStream in = BenchmarkReport.class.getResourceAsStream("BENCHMARKS.md.tmpl")) {
            if (in == null) {
                throw new IOException("BENCHMARKS.md.tmpl is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return e.getClass().getSimpleName() + ": " + (nl < 0 ? m : m.substring(0, nl));
    }

    private static void log(String format, Object... args) {
        System.out.println("[bench] " + String.format(Locale.ROOT, format, args));
        System.out.flush();
    }

    /** Samples the 1-minute load average every few seconds while the benchmarks run. */
    private static final class LoadSampler {
        private final List<Double> samples = new CopyOnWriteArrayList<>();
        private Thread thread;
        private Double atStart;

        void start() {
            atStart = read();
            thread = Thread.ofPlatform().daemon(true).name("load-sampler").start(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        Double v = read();
                        if (v != null) {
                            samples.add(v);
                        }
                        Thread.sleep(5_000); // a sampling period, not synchronisation
                    }
                } catch (InterruptedException e) {
                    // stopped
                }
            });
        }

        void stop() throws InterruptedException {
            thread.interrupt();
            thread.join();
        }

        String describe() {
            if (samples.isEmpty()) {
                return "unavailable (no /proc/loadavg)";
            }
            Samples s = new Samples(samples);
            double mean = samples.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            return String.format(Locale.ROOT, "%.2f before the run; during it mean %.2f, median %.2f, max %.2f"
                    + " (%d samples every 5 s; the benchmark's own runnable threads count towards it).",
                    atStart == null ? Double.NaN : atStart, mean, s.median(), s.max(), samples.size());
        }

        private static Double read() {
            List<String> lines = readLines(Path.of("/proc/loadavg"));
            if (lines.isEmpty()) {
                return null;
            }
            return Double.parseDouble(lines.getFirst().split(" ")[0]);
        }
    }

    /**
     * Sections measured by other commands (limits, pools, ...), kept as files under {@code docs/bench/} so
     * that regenerating this report keeps them; each states its own machine, command and date.
     */
    private String appendix() throws IOException {
        Path dir = out.toAbsolutePath().getParent().resolve("bench");
        if (!java.nio.file.Files.isDirectory(dir)) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir)) {
            for (Path f : files.filter(x -> x.toString().endsWith(".md")).sorted().toList()) {
                sb.append('\n').append(java.nio.file.Files.readString(f).strip()).append('\n');
            }
        }
        return sb.toString();
    }
}
