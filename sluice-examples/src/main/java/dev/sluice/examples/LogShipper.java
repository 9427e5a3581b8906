package dev.sluice.examples;

import dev.sluice.channel.Channel;
import dev.sluice.channel.ChannelClosedException;
import dev.sluice.channel.ChannelStats;
import dev.sluice.channel.Overflow;
import dev.sluice.limit.TokenBucket;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Telemetry that must never slow the application down: log lines go into a bounded channel with
 * {@code trySend}, so {@link #log(String)} never blocks; a background thread ships them upstream in
 * batches. When the upstream is slow the buffer fills and new lines are dropped, and every drop is
 * counted by the channel itself (a refused {@code trySend} is counted in
 * {@link ChannelStats#rejected()}). The shipper reports drops at a low rate (at most one line per
 * {@code reportEvery}, paced by a {@link TokenBucket}), so a storm of drops does not become a storm of
 * log lines about drops — the guide's "drop without a metric" bug and its opposite, fixed together.
 *
 * <p>After {@link #close()}: {@code shipped + dropped = offered}. Run it with
 * {@code ./sluice example log-shipper}.
 */
public final class LogShipper implements AutoCloseable {

    private final Channel<String> lines;
    private final Consumer<List<String>> upstream;
    private final int batchSize;
    private final TokenBucket reportRate;
    private final Consumer<String> reporter;
    private final AtomicLong shipped = new AtomicLong();
    private final AtomicLong reportedDrops = new AtomicLong();
    private final Thread shipperThread;

    /**
     * @param capacity    lines buffered before new ones are dropped
     * @param batchSize   lines shipped per upstream call, at most
     * @param upstream    receives each batch (it may be slow; it owns the list it is given)
     * @param reportEvery at most one drop report per this period
     * @param reporter    where drop reports go (stderr, in the example)
     */
    public LogShipper(int capacity, int batchSize, Consumer<List<String>> upstream, Duration reportEvery,
            Consumer<String> reporter) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
        }
        this.lines = Channel.<String>builder().capacity(capacity).overflow(Overflow.REJECT).name("log-lines").build();
        this.upstream = Objects.requireNonNull(upstream, "upstream");
        this.batchSize = batchSize;
        this.reportRate = TokenBucket.builder().rate(1, reportEvery).burst(1).build();
        this.reporter = Objects.requireNonNull(reporter, "reporter");
        this.shipperThread = Thread.ofVirtual().name("log-shipper").start(this::ship);
    }

    /**
     * Offers a line; never blocks. Returns false if it was dropped (the buffer was full) or the shipper
     * is closed.
     */
    public boolean log(String line) {
        Objects.requireNonNull(line, "line");
        if (lines.isClosed()) {
            return false;
        }
        if (lines.trySend(line)) {
            return true;
        }
        maybeReportDrops();
        return false;
    }

    private void maybeReportDrops() {
        if (reportRate.tryAcquire()) {
            long dropped = dropped();
            long since = dropped - reportedDrops.getAndSet(dropped);
            reporter.accept("log-shipper: dropped " + since + " lines (" + dropped + " in all): upstream is slower than the app");
        }
    }

    private void ship() {
        List<String> batch = new ArrayList<>(batchSize);
        try {
            for (String first : lines) { // ends when the channel is closed and empty
                batch.add(first);
                boolean drained = false;
                try {
                    String next;
                    while (batch.size() < batchSize && (next = lines.tryReceive()) != null) {
                        batch.add(next);
                    }
                } catch (ChannelClosedException closedAndEmpty) {
                    // tryReceive reports a closed, empty channel by throwing: the batch in hand still goes
                    drained = true;
                }
                upstream.accept(batch);
                shipped.addAndGet(batch.size());
                batch = new ArrayList<>(batchSize); // the upstream owns the list it was given
                if (drained) {
                    return;
                }
            }
        } catch (RuntimeException e) {
            reporter.accept("log-shipper: upstream failed, shipping stopped: " + e);
            lines.fail(e);
        }
    }

    /** Lines offered: shipped, dropped, or still buffered. */
    public long offered() {
        ChannelStats s = lines.stats();
        return s.sent() + s.rejected();
    }

    /** Lines refused because the buffer was full. */
    public long dropped() {
        return lines.stats().rejected();
    }

    public long shipped() {
        return shipped.get();
    }

    /** Time {@link #log} spent blocked: zero by construction, and reported so that it can be checked. */
    public long appBlockedNanos() {
        return lines.stats().blockedNanos();
    }

    /** Stops intake and ships what is buffered, waiting at most {@code grace}; true if it all went. */
    public boolean close(Duration grace) throws InterruptedException {
        lines.close();
        return shipperThread.join(grace);
    }

    @Override
    public void close() throws InterruptedException {
        close(Duration.ofSeconds(30));
    }

    // ---------------------------------------------------------------- the runnable example

    static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        Flags f = new Flags("log-shipper")
                .declare("lines", 200_000, "lines the application logs, as fast as it can")
                .declare("buffer", 1_000, "lines buffered before new ones are dropped")
                .declare("batch", 100, "lines per upstream call")
                .declare("upstream", "2ms", "time the (simulated) upstream takes per batch");
        int count;
        int buffer;
        int batch;
        Duration perBatch;
        try {
            f.parse(args);
            count = f.positiveInt("lines");
            buffer = f.positiveInt("buffer");
            batch = f.positiveInt("batch");
            perBatch = f.duration("upstream");
        } catch (IllegalArgumentException e) {
            err.println("log-shipper: " + e.getMessage());
            err.println(f.usage());
            return 2;
        }
        if (f.help()) {
            out.println(f.usage());
            return 0;
        }
        AtomicLong received = new AtomicLong();
        AtomicLong reports = new AtomicLong();
        long upstreamNanos = perBatch.toNanos();
        LogShipper shipper = new LogShipper(buffer, batch, b -> {
            LockSupport.parkNanos(upstreamNanos); // the network call being simulated
            received.addAndGet(b.size());
        }, Duration.ofMillis(250), report -> {
            reports.incrementAndGet();
            if (!f.machine()) {
                err.println(report);
            }
        });
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            shipper.log("event " + i);
        }
        long appNanos = System.nanoTime() - start;
        boolean drained = shipper.close(Duration.ofSeconds(30));
        if (f.machine()) {
            out.printf(Locale.ROOT, "offered=%d%nshipped=%d%ndropped=%d%nreceivedUpstream=%d%nappBlockedNanos=%d%n"
                            + "dropReports=%d%ndrained=%b%n", shipper.offered(), shipper.shipped(), shipper.dropped(),
                    received.get(), shipper.appBlockedNanos(), reports.get(), drained);
        } else {
            out.printf(Locale.ROOT, "%nThe app logged %,d lines in %.1f ms; time it spent waiting for the buffer: %d ns.%n",
                    count, appNanos / 1e6, shipper.appBlockedNanos());
            out.printf(Locale.ROOT, "  shipped %,d, dropped %,d (%.1f%%), reported in %d rate-limited lines%n",
                    shipper.shipped(), shipper.dropped(), 100.0 * shipper.dropped() / Math.max(1, shipper.offered()), reports.get());
            out.printf(Locale.ROOT, "  shipped + dropped = offered: %b%n", shipper.shipped() + shipper.dropped() == shipper.offered());
        }
        return 0;
    }
}
