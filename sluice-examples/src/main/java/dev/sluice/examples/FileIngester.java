package dev.sluice.examples;

import dev.sluice.pipeline.Pipeline;
import dev.sluice.pipeline.PipelineStats;
import dev.sluice.pipeline.RunningPipeline;
import dev.sluice.pipeline.StageStats;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Ingesting a file far larger than the heap: a reader streams it line by line into a pipeline (batch,
 * then parse on two workers, then aggregate), and the bounded links between the stages hold the reader
 * back to the parser's speed. The file is never loaded: at any moment only the links' few hundred lines
 * are in memory, whatever the file's size.
 *
 * <p>The example writes a CSV file of the size asked for ({@code id,user,amount}), ingests it, and prints
 * the totals, how long the reader waited for the parser (the backpressure), and the largest heap in use
 * after a collection, sampled while it ran. Run it with {@code ./sluice example file-ingester}: by default
 * the file is 2 GiB (about 110 million lines) and the heap the launcher gives is 512 MB; {@code --size}
 * chooses another size ({@code 256m} finishes in seconds).
 */
public final class FileIngester {

    /** What one ingestion measured. */
    record Result(long bytes, long lines, long records, long malformed, long amountTotal, long readerBlockedMillis,
                  long parserBusyMillis, long peakHeapAfterGc, long seconds) {
    }

    private static final int USERS = 1_000;

    private FileIngester() {
    }

    /** Writes about {@code bytes} of CSV to {@code file}, one record per line; every 1000th line is malformed. */
    static long generate(Path file, long bytes) throws IOException {
        long written = 0;
        long line = 0;
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            while (written < bytes) {
                String row = line % 1_000 == 999
                        ? "this line is not a record\n"
                        : line + ",user" + (line % USERS) + "," + (line % 97) + "\n";
                w.write(row);
                written += row.length();
                line++;
            }
        }
        return line;
    }

    static Result ingest(Path file) throws Exception {
        long[] perUser = new long[USERS]; // bounded aggregate: one counter per known user
        LongAdder records = new LongAdder();
        LongAdder malformed = new LongAdder();
        AtomicLong lines = new AtomicLong();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        AtomicLong peak = new AtomicLong();
        long start = System.nanoTime();

        RunningPipeline running = Pipeline.<String>generate("read", out -> {
                    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
                        String line;
                        while ((line = r.readLine()) != null) {
                            lines.incrementAndGet();
                            if (!out.emit(line)) {
                                return;
                            }
                        }
                    }
                })
                .batch("batch", 256, Duration.ofMillis(20))
                .mapParallel("parse", 2, false, batch -> parse(batch, malformed))
                .to("aggregate", parsed -> {
                    for (long[] rec : parsed) {
                        perUser[(int) rec[0]] += rec[1];
                    }
                    records.add(parsed.size());
                })
                .start();
        // Sample the heap as it runs: used heap right after a collection is what the program holds.
        while (!running.await(Duration.ofMillis(250))) {
            System.gc();
            peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
        }
        System.gc();
        peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
        PipelineStats stats = running.stats();
        StageStats reader = stats.stage("read").orElseThrow();
        StageStats parser = stats.stage("parse").orElseThrow();
        long total = 0;
        for (long v : perUser) {
            total += v;
        }
        return new Result(Files.size(file), lines.get(), records.sum(), malformed.sum(), total,
                TimeUnit.NANOSECONDS.toMillis(reader.blockedOnOutputNanos()),
                TimeUnit.NANOSECONDS.toMillis(parser.blockedOnOutputNanos()), peak.get(),
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
    }

    /** Parses a batch of {@code id,userN,amount} lines into (user, amount) pairs, counting malformed lines. */
    static List<long[]> parse(List<String> batch, LongAdder malformed) {
        List<long[]> out = new ArrayList<>(batch.size());
        for (String line : batch) {
            int a = line.indexOf(',');
            int b = a < 0 ? -1 : line.indexOf(',', a + 1);
            if (b < 0 || !line.startsWith("user", a + 1)) {
                malformed.increment();
                continue;
            }
            try {
                int user = Integer.parseInt(line, a + 5, b, 10);
                long amount = Long.parseLong(line, b + 1, line.length(), 10);
                if (user < 0 || user >= USERS) {
                    malformed.increment();
                    continue;
                }
                out.add(new long[] {user, amount});
            } catch (NumberFormatException e) {
                malformed.increment();
            }
        }
        return out;
    }

    static long parseSize(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        if (v.endsWith("g")) {
            unit = 1L << 30;
        } else if (v.endsWith("m")) {
            unit = 1L << 20;
        } else if (v.endsWith("k")) {
            unit = 1L << 10;
        }
        String digits = unit == 1 ? v : v.substring(0, v.length() - 1);
        try {
            long n = Long.parseLong(digits);
            if (n < 1 || n > (64L << 30) / unit) {
                throw new IllegalArgumentException("--size must be between 1 byte and 64g, was " + s);
            }
            return n * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--size must be a size such as 512m or 2g, was '" + s + "'");
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        String size = "2g";
        String dir = null;
        boolean machine = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--size" -> size = i + 1 < args.length ? args[++i] : "";
                case "--dir" -> dir = i + 1 < args.length ? args[++i] : "";
                case "--machine" -> machine = true;
                case "--help", "-h" -> {
                    out.println("usage: ./sluice example file-ingester [--size 2g|256m] [--dir DIR] [--machine]\n"
                            + "  --size V   size of the generated CSV file (default 2g)\n"
                            + "  --dir V    where to write it (default a temporary directory; it is deleted after)");
                    return 0;
                }
                default -> {
                    err.println("file-ingester: unknown flag '" + args[i] + "'");
                    return 2;
                }
            }
        }
        long bytes;
        try {
            bytes = parseSize(size);
        } catch (IllegalArgumentException e) {
            err.println("file-ingester: " + e.getMessage());
            return 2;
        }
        Path folder = dir == null ? Files.createTempDirectory("sluice-ingest") : Path.of(dir);
        Path file = folder.resolve("records.csv");
        try {
            if (!machine) {
                out.printf(Locale.ROOT, "Writing %,d MB of CSV to %s ...%n", bytes >> 20, file);
                out.flush();
            }
            long written = generate(file, bytes);
            Result r = ingest(file);
            long maxHeap = Runtime.getRuntime().maxMemory();
            if (machine) {
                out.printf(Locale.ROOT, "bytes=%d%nlinesWritten=%d%nlines=%d%nrecords=%d%nmalformed=%d%namountTotal=%d%n"
                                + "readerBlockedMillis=%d%npeakHeapAfterGc=%d%nmaxHeap=%d%n", r.bytes(), written, r.lines(),
                        r.records(), r.malformed(), r.amountTotal(), r.readerBlockedMillis(), r.peakHeapAfterGc(), maxHeap);
                return 0;
            }
            out.printf(Locale.ROOT, "Ingested %,d lines (%,d records, %,d malformed) of a %,d MB file in %d s.%n",
                    r.lines(), r.records(), r.malformed(), r.bytes() >> 20, r.seconds());
            out.printf(Locale.ROOT, "  the reader waited %,d ms for the parser: it was held to the parser's speed%n",
                    r.readerBlockedMillis());
            out.printf(Locale.ROOT, "  largest heap in use after a collection: %,d MB of a %,d MB maximum%n",
                    r.peakHeapAfterGc() >> 20, maxHeap >> 20);
            return 0;
        } finally {
            Files.deleteIfExists(file);
            if (dir == null) {
                Files.deleteIfExists(folder);
            }
        }
    }
}
