package dev.sluice.examples;

import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import dev.sluice.channel.Channel;
import dev.sluice.channel.ChannelStats;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The first thing to see about backpressure, in about ten seconds: a fast producer and a slow consumer
 * joined by (a) an unbounded queue and (b) a bounded sluice channel.
 *
 * <p>Both runs use the same producer (by default 400,000 items a second, each carrying a 100-byte
 * payload) and the same consumer (100,000 items a second), for the same time (4 seconds by default).
 *
 * <ul>
 *   <li>(a) goes through a {@link ConcurrentLinkedQueue}, deliberately: {@code offer} never says no, so the
 *       producer keeps its own pace and every item the consumer cannot take yet waits in memory. The
 *       backlog, the heap it holds, and the time a new item would wait all grow for as long as the run
 *       lasts. This side is capped so that the demo cannot exhaust the heap: it stops early when the
 *       queue's estimated or measured heap use passes half the maximum heap (at most 250 MB), and says so.
 *   <li>(b) goes through {@link Channel#bounded(int)} and its blocking {@code send}: when the buffer is
 *       full the producer waits, so it runs at the consumer's pace, at most {@code capacity} items wait,
 *       and the heap stays flat. {@link ChannelStats#blockedNanos()} shows how long the producer waited.
 * </ul>
 *
 * <p>Heap growth is measured, not estimated: used heap after a full collection at the start of each run,
 * against used heap after a full collection at its end, while the items still queued are reachable.
 * Since a run ends when its queue is longest, the end is also its peak.
 *
 * <p>Run it with {@code ./sluice demo [--seconds N] [--capacity N]}; {@code --help} lists every flag.
 * {@code --machine} prints {@code key=value} lines instead of the table (the example's test uses them).
 */
public final class UnboundedVsBounded {

    /** Bytes of payload in each item: enough that the heap held by a backlog is plain to see. */
    static final int PAYLOAD_BYTES = 100;
    /**
     * Estimated heap per item waiting in the unbounded queue: the payload array (16-byte header plus
     * 100 bytes, rounded up to 120) and the queue's 24-byte node. Used only for the safety cap; the
     * reported heap growth is measured.
     */
    static final long ESTIMATED_BYTES_PER_QUEUED_ITEM = 144;
    /** The unbounded queue may hold at most this much heap, or half the maximum heap if that is less. */
    static final long MAX_UNBOUNDED_BUDGET_BYTES = 250L << 20;
    /** How often (in items) the unbounded producer checks the live heap against the budget. */
    static final int HEAP_CHECK_INTERVAL = 8_192;
    /** How long a paced thread that is ahead of its rate parks before looking again. */
    static final long PACE_PARK_NANOS = 100_000;

    static final double DEFAULT_SECONDS = 4;
    static final int DEFAULT_CAPACITY = 100;
    static final int DEFAULT_PRODUCER_RATE = 400_000;
    static final int DEFAULT_CONSUMER_RATE = 100_000;

    private UnboundedVsBounded() {
    }

    /** Runs the demo; exits with 2 on a usage error and 1 if a run failed. */
    public static void main(String[] args) throws InterruptedException {
        int code = run(args, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs the demo with {@code args}, printing to {@code out}; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("unbounded-vs-bounded: " + e.getMessage());
            err.println(usage());
            return 2;
        }
        if (options.help) {
            out.println(usage());
            return 0;
        }
        long maxHeap = maxHeapBytes();
        long budget = Math.min(MAX_UNBOUNDED_BUDGET_BYTES, maxHeap / 2);
        if (!options.machine) {
            out.printf(Locale.ROOT, "A fast producer (%,d items/s) and a slow consumer (%,d items/s), %s s on each side,"
                    + " %d-byte payloads.%n", options.producerRate, options.consumerRate, num(options.seconds),
                    PAYLOAD_BYTES);
            out.printf(Locale.ROOT, "Running (a) the unbounded queue, then (b) Channel.bounded(%d)...%n%n",
                    options.capacity);
            out.flush();
        }
        Result unbounded;
        Result bounded;
        try {
            unbounded = runUnbounded(options, budget);
            bounded = runBounded(options);
        } catch (RunFailedException e) {
            err.println("unbounded-vs-bounded: a run failed: " + e.getCause());
            e.getCause().printStackTrace(err);
            return 1;
        }
        if (options.machine) {
            printMachine(out, options, maxHeap, budget, unbounded, bounded);
        } else {
            printTable(out, options, maxHeap, unbounded, bounded);
        }
        out.flush();
        return 0;
    }

    // ---------------------------------------------------------------- the two runs

    /** What one run measured. {@code blockedNanos} is -1 where the producer cannot block. */
    record Result(long produced, long consumed, long queuedAtEnd, long peakQueued, long heapGrowthBytes,
                  long producerNanos, long consumerNanos, long elapsedNanos, long blockedNanos, long gcMillis,
                  String capReason) {

        boolean capped() {
            return capReason != null;
        }

        double producerRate() {
            return perSecond(produced, producerNanos);
        }

        double consumerRate() {
            return perSecond(consumed, consumerNanos);
        }

        /** Seconds the consumer would need, at its measured rate, to clear what was queued at the end. */
        double backlogSeconds() {
            double rate = consumerRate();
            return rate > 0 ? queuedAtEnd / rate : 0;
        }
    }

    /** A producer or consumer thread failed; the demo reports it and exits with 1. */
    static final class RunFailedException extends Exception {
        RunFailedException(Throwable cause) {
            super(cause);
        }
    }

    /** The anti-pattern, on purpose: the producer offers to a queue that never pushes back. */
    private static Result runUnbounded(Options o, long budgetBytes) throws InterruptedException, RunFailedException {
        ConcurrentLinkedQueue<byte[]> queue = new ConcurrentLinkedQueue<>();
        long itemLimit = budgetBytes / ESTIMATED_BYTES_PER_QUEUED_ITEM;
        long heapAtStart = usedHeapAfterGc();
        Counters c = new Counters();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        long deadline = start + o.durationNanos();

        Thread producer = Thread.ofPlatform().name("unbounded-producer").unstarted(() -> {
            try {
                Pace pace = new Pace(start, o.producerRate);
                long produced = 0;
                long peak = 0;
                long now;
                while (!c.stop && (now = System.nanoTime()) - deadline < 0) {
                    if (produced >= pace.due(now)) {
                        LockSupport.parkNanos(PACE_PARK_NANOS);
                        continue;
                    }
                    queue.offer(newItem(produced));
                    c.produced = ++produced;
                    long queued = produced - c.consumed;
                    if (queued > peak) {
                        peak = queued;
                    }
                    if (queued >= itemLimit) {
                        c.capReason = String.format(Locale.ROOT, "the queue held %,d items, about %s by estimate,"
                                + " the safety limit (half the max heap, at most 250 MB)", queued,
                                mb(queued * ESTIMATED_BYTES_PER_QUEUED_ITEM));
                    } else if (produced % HEAP_CHECK_INTERVAL == 0) {
                        long grown = liveHeapAfterLastGc() - heapAtStart;
                        if (grown >= budgetBytes) {
                            c.capReason = String.format(Locale.ROOT, "the heap in use after the last collection"
                                    + " had grown by %s, past the safety limit of %s (half the max heap, at most"
                                    + " 250 MB)", mb(grown),
                                    mb(budgetBytes));
                        }
                    }
                    if (c.capReason != null) {
                        c.stop = true;
                    }
                }
                c.peak = peak;
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
                c.stop = true;
            } finally {
                c.producerEnd = System.nanoTime();
            }
        });
        Thread consumer = Thread.ofPlatform().name("unbounded-consumer").unstarted(() -> {
            try {
                Pace pace = new Pace(start, o.consumerRate);
                long consumed = 0;
                long now;
                while (!c.stop && (now = System.nanoTime()) - deadline < 0) {
                    byte[] item = consumed < pace.due(now) ? queue.poll() : null;
                    if (item == null) {
                        LockSupport.parkNanos(PACE_PARK_NANOS);
                        continue;
                    }
                    checkItem(item, consumed);
                    c.consumed = ++consumed;
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
                c.stop = true;
            } finally {
                c.consumerEnd = System.nanoTime();
            }
        });
        long gcAtStart = gcMillis();
        join(o, failure, producer, consumer);
        long gcDuringRun = gcMillis() - gcAtStart;
        long end = Math.max(c.producerEnd, c.consumerEnd);
        long queued = queue.size();
        long heapAtEnd = usedHeapAfterGc();
        Reference.reachabilityFence(queue);
        return new Result(c.produced, c.consumed, queued, Math.max(c.peak, queued), heapAtEnd - heapAtStart,
                c.producerEnd - start, c.consumerEnd - start, end - start, -1, gcDuringRun, c.capReason);
    }

    /** The fix: the same producer and consumer, through a bounded channel whose send waits for room. */
    private static Result runBounded(Options o) throws InterruptedException, RunFailedException {
        Channel<byte[]> channel = Channel.<byte[]>builder().capacity(o.capacity).name("demo").build();
        long heapAtStart = usedHeapAfterGc();
        Counters c = new Counters();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        // One deadline for both sides: sends and receives that are waiting when it passes give up.
        Context run = Context.background().withTimeout(Duration.ofNanos(o.durationNanos()));

        Thread producer = Thread.ofPlatform().name("bounded-producer").unstarted(() -> {
            try {
                Pace pace = new Pace(start, o.producerRate);
                long produced = 0;
                while (!c.stop && !run.isDone()) {
                    if (produced >= pace.due(System.nanoTime())) {
                        LockSupport.parkNanos(PACE_PARK_NANOS);
                        continue;
                    }
                    channel.send(newItem(produced), run);   // waits while the channel is full
                    c.produced = ++produced;
                }
            } catch (DeadlineExceededException timeUp) {
                // the run is over; the item being sent was not delivered
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
                c.stop = true;
            } finally {
                c.producerEnd = System.nanoTime();
            }
        });
        Thread consumer = Thread.ofPlatform().name("bounded-consumer").unstarted(() -> {
            try {
                Pace pace = new Pace(start, o.consumerRate);
                long consumed = 0;
                while (!c.stop && !run.isDone()) {
                    if (consumed >= pace.due(System.nanoTime())) {
                        LockSupport.parkNanos(PACE_PARK_NANOS);
                        continue;
                    }
                    byte[] item = channel.receive(run);
                    checkItem(item, consumed);
                    c.consumed = ++consumed;
                }
            } catch (DeadlineExceededException timeUp) {
                // the run is over
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
                c.stop = true;
            } finally {
                c.consumerEnd = System.nanoTime();
            }
        });
        long gcAtStart = gcMillis();
        join(o, failure, producer, consumer);
        long gcDuringRun = gcMillis() - gcAtStart;
        long end = Math.max(c.producerEnd, c.consumerEnd);
        ChannelStats stats = channel.stats();
        long heapAtEnd = usedHeapAfterGc();
        Reference.reachabilityFence(channel);
        channel.close();
        return new Result(c.produced, c.consumed, stats.size(), stats.highWaterMark(), heapAtEnd - heapAtStart,
                c.producerEnd - start, c.consumerEnd - start, end - start, stats.blockedNanos(), gcDuringRun, null);
    }

    /** State shared by one run's producer and consumer; each count has a single writer. */
    private static final class Counters {
        volatile long produced;
        volatile long consumed;
        volatile long peak;
        volatile boolean stop;
        volatile String capReason;
        volatile long producerEnd;
        volatile long consumerEnd;
    }

    /** Lets a loop do {@code rate} things a second on average, measured from {@code start}. */
    private record Pace(long start, long rate) {
        long due(long now) {
            return (long) ((now - start) * (rate / 1e9));
        }
    }

    /** Starts both threads and waits for them; they stop by themselves at the run's deadline. */
    private static void join(Options o, AtomicReference<Throwable> failure, Thread producer, Thread consumer)
            throws InterruptedException, RunFailedException {
        producer.start();
        consumer.start();
        long patienceMillis = TimeUnit.NANOSECONDS.toMillis(o.durationNanos()) + 30_000;
        producer.join(patienceMillis);
        consumer.join(patienceMillis);
        if (producer.isAlive() || consumer.isAlive()) {
            throw new RunFailedException(new IllegalStateException("a thread did not stop within "
                    + patienceMillis + " ms of its deadline"));
        }
        if (failure.get() != null) {
            throw new RunFailedException(failure.get());
        }
    }

    private static byte[] newItem(long sequence) {
        byte[] item = new byte[PAYLOAD_BYTES];
        ByteBuffer.wrap(item).putLong(sequence);
        return item;
    }

    /** The consumer's "work": every item arrives once, in order. */
    private static void checkItem(byte[] item, long expected) {
        long sequence = ByteBuffer.wrap(item).getLong();
        if (sequence != expected) {
            throw new IllegalStateException("expected item " + expected + " but received " + sequence);
        }
    }

    // ---------------------------------------------------------------- heap measurement

    private static long maxHeapBytes() {
        long max = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax();
        return max > 0 ? max : Runtime.getRuntime().maxMemory();
    }

    /** Used heap right after a full collection (two, so that anything freed by the first is gone too). */
    static long usedHeapAfterGc() {
        var memory = ManagementFactory.getMemoryMXBean();
        memory.gc();
        memory.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** Milliseconds all collectors have spent collecting so far (as the JVM reports it). */
    private static long gcMillis() {
        long total = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }

    /** The heap in use right after the most recent collection of each heap pool; cheap, may lag. */
    private static long liveHeapAfterLastGc() {
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                MemoryUsage afterGc = pool.getCollectionUsage();
                if (afterGc != null) {
                    used += afterGc.getUsed();
                }
            }
        }
        return used;
    }

    // ---------------------------------------------------------------- output

    private static void printTable(PrintStream out, Options o, long maxHeap, Result a, Result b) {
        String row = "%-34s %-28s %s%n";
        out.printf(Locale.ROOT, row, "", "(a) unbounded queue", "(b) Channel.bounded(" + o.capacity + ")");
        out.printf(Locale.ROOT, row, "", "ConcurrentLinkedQueue.offer", "send() waits when full");
        out.printf(Locale.ROOT, row, "ran for", secs(a.elapsedNanos) + (a.capped() ? " (capped)" : ""),
                secs(b.elapsedNanos));
        out.printf(Locale.ROOT, row, "items produced", count(a.produced), count(b.produced));
        out.printf(Locale.ROOT, row, "items consumed", count(a.consumed), count(b.consumed));
        out.printf(Locale.ROOT, row, "items still queued at the end", count(a.queuedAtEnd), count(b.queuedAtEnd));
        out.printf(Locale.ROOT, row, "peak queue length", count(a.peakQueued), count(b.peakQueued));
        out.printf(Locale.ROOT, row, "heap growth (after GC, end-start)", signedMb(a.heapGrowthBytes),
                signedMb(b.heapGrowthBytes));
        out.printf(Locale.ROOT, row, "producer rate", rate(a.producerRate()), rate(b.producerRate()));
        out.printf(Locale.ROOT, row, "consumer rate", rate(a.consumerRate()), rate(b.consumerRate()));
        out.printf(Locale.ROOT, row, "producer blocked (stats)", "never: offer() cannot wait",
                secs(b.blockedNanos) + " (" + percent(b.blockedNanos, b.producerNanos) + " of its time)");
        out.printf(Locale.ROOT, row, "time spent in GC during the run", a.gcMillis + " ms", b.gcMillis + " ms");
        out.printf(Locale.ROOT, row, "time to clear the backlog", String.format(Locale.ROOT, "%.2f s",
                a.backlogSeconds()), String.format(Locale.ROOT, "%.3f s", b.backlogSeconds()));
        out.println();
        if (a.capped()) {
            out.printf(Locale.ROOT, "(a) was capped after %s of %s s: %s. Left alone it would have kept growing"
                    + " until the heap (max %s) ran out.%n", secs(a.elapsedNanos), num(o.seconds), a.capReason,
                    mb(maxHeap));
        }
        for (String line : explain(o, a, b)) {
            out.println(line);
        }
    }

    /** What the numbers show, worked out from them. */
    static List<String> explain(Options o, Result a, Result b) {
        List<String> lines = new ArrayList<>();
        double unboundedPace = ratio(a.producerRate(), a.consumerRate());
        double boundedPace = ratio(b.producerRate(), b.consumerRate());
        lines.add(String.format(Locale.ROOT, "Without a bound, the producer kept its own pace (%.1fx the consumer's),"
                        + " so the backlog grew %s: %,d items waiting, holding %s of heap; the last of them would"
                        + " wait %.1f s to be consumed, and the collector ran for %d ms (%d ms with the channel).",
                unboundedPace, a.capped() ? "until the cap stopped it" : "for the whole run", a.queuedAtEnd,
                mb(a.heapGrowthBytes), a.backlogSeconds(), a.gcMillis, b.gcMillis));
        lines.add(String.format(Locale.ROOT, "With Channel.bounded(%d), send() held the producer back for %s of its"
                        + " time, down to %.2fx the consumer's pace: at most %,d items waited and the heap grew by %s.",
                o.capacity, percent(b.blockedNanos, b.producerNanos), boundedPace, b.peakQueued,
                signedMb(b.heapGrowthBytes)));
        if (a.heapGrowthBytes <= 2 * Math.max(b.heapGrowthBytes, 0) || a.queuedAtEnd <= b.queuedAtEnd) {
            lines.add("This run did not show the usual gap (was the machine busy, or the producer no faster than the"
                    + " consumer?); try --seconds 8.");
        }
        return lines;
    }

    private static void printMachine(PrintStream out, Options o, long maxHeap, long budget, Result a, Result b) {
        out.println("seconds=" + num(o.seconds));
        out.println("capacity=" + o.capacity);
        out.println("producerRateTarget=" + o.producerRate);
        out.println("consumerRateTarget=" + o.consumerRate);
        out.println("payloadBytes=" + PAYLOAD_BYTES);
        out.println("maxHeapBytes=" + maxHeap);
        out.println("unboundedBudgetBytes=" + budget);
        printMachine(out, "unbounded", a);
        printMachine(out, "bounded", b);
    }

    private static void printMachine(PrintStream out, String side, Result r) {
        out.println(side + ".produced=" + r.produced);
        out.println(side + ".consumed=" + r.consumed);
        out.println(side + ".queuedAtEnd=" + r.queuedAtEnd);
        out.println(side + ".peakQueued=" + r.peakQueued);
        out.println(side + ".heapGrowthBytes=" + r.heapGrowthBytes);
        out.println(side + ".producerRatePerSecond=" + Math.round(r.producerRate()));
        out.println(side + ".consumerRatePerSecond=" + Math.round(r.consumerRate()));
        out.println(side + ".blockedNanos=" + r.blockedNanos);
        out.println(side + ".elapsedNanos=" + r.elapsedNanos);
        out.println(side + ".gcMillis=" + r.gcMillis);
        out.println(side + ".capped=" + r.capped());
        if (r.capped()) {
            out.println(side + ".capReason=" + r.capReason);
        }
    }

    private static double perSecond(long n, long nanos) {
        return nanos > 0 ? n * 1e9 / nanos : 0;
    }

    private static double ratio(double x, double y) {
        return y > 0 ? x / y : 0;
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String rate(double perSecond) {
        return String.format(Locale.ROOT, "%,.0f items/s", perSecond);
    }

    private static String secs(long nanos) {
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    private static String percent(long part, long whole) {
        return whole > 0 ? String.format(Locale.ROOT, "%.0f%%", 100.0 * part / whole) : "-";
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0);
    }

    private static String signedMb(long bytes) {
        return Math.abs(bytes) < 1048576 ? String.format(Locale.ROOT, "%+.1f KB", bytes / 1024.0)
                : String.format(Locale.ROOT, "%+.1f MB", bytes / 1048576.0);
    }

    private static String num(double x) {
        return x == Math.rint(x) ? String.valueOf((long) x) : String.valueOf(x);
    }

    // ---------------------------------------------------------------- flags

    static String usage() {
        return """
                usage: ./sluice demo [--seconds N] [--capacity N] [--producer-rate N] [--consumer-rate N] [--machine]
                  --seconds N          how long each side runs, 0.5 to 600 (default 4)
                  --capacity N         the bounded channel's capacity, 1 to 1,000,000 (default 100)
                  --producer-rate N    items the producer tries to make per second (default 400000)
                  --consumer-rate N    items the consumer takes per second (default 100000)
                  --machine            print key=value lines instead of the table
                  --help               print this and exit""";
    }

    /** The demo's settings, from its flags. */
    static final class Options {
        double seconds = DEFAULT_SECONDS;
        int capacity = DEFAULT_CAPACITY;
        int producerRate = DEFAULT_PRODUCER_RATE;
        int consumerRate = DEFAULT_CONSUMER_RATE;
        boolean machine;
        boolean help;

        long durationNanos() {
            return (long) (seconds * 1e9);
        }

        /** Parses {@code args}, or throws {@link IllegalArgumentException} saying what is wrong. */
        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                switch (flag) {
                    case "--help", "-h" -> o.help = true;
                    case "--machine" -> o.machine = true;
                    case "--seconds" -> o.seconds = number(flag, value(args, ++i, flag), 0.5, 600, false);
                    case "--capacity" -> o.capacity = (int) number(flag, value(args, ++i, flag), 1,
                            Channel.MAX_CAPACITY, true);
                    case "--producer-rate" -> o.producerRate = (int) number(flag, value(args, ++i, flag), 1, 1e8, true);
                    case "--consumer-rate" -> o.consumerRate = (int) number(flag, value(args, ++i, flag), 1, 1e8, true);
                    default -> throw new IllegalArgumentException("unknown flag '" + flag + "'");
                }
            }
            return o;
        }

        private static String value(String[] args, int i, String flag) {
            if (i >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            return args[i];
        }

        private static double number(String flag, String text, double min, double max, boolean whole) {
            double x;
            try {
                x = Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " expects a number, not '" + text + "'");
            }
            if (whole && x != Math.rint(x)) {
                throw new IllegalArgumentException(flag + " expects a whole number, not '" + text + "'");
            }
            if (!(x >= min && x <= max)) {
                throw new IllegalArgumentException(flag + " must be between " + num(min) + " and " + num(max)
                        + ", not " + text);
            }
            return x;
        }
    }
}
