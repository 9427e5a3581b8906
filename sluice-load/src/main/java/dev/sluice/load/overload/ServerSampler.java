package dev.sluice.load.overload;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Samples a server process's memory while a phase runs: RSS from {@code /proc} every
 * {@value #PERIOD_MILLIS} ms, and the heap in use from the server's own {@code GET /stats} samples (it
 * samples its heap every 500 ms; this reads the ones it has not read yet). One platform thread, stopped by
 * {@link #close()}. A {@code /stats} call that fails or takes more than a second is skipped: an overloaded
 * server may not answer, and its RSS still is read.
 */
public final class ServerSampler implements AutoCloseable {

    /** Memory peaks over one phase, in MiB; -1 where nothing could be read. */
    public record Peaks(double rssMb, double heapMb) {
    }

    private static final int PERIOD_MILLIS = 250;
    private static final Pattern SEQ = Pattern.compile("\"seq\"\\s*:\\s*(\\d+)");
    private static final Pattern HEAP = Pattern.compile("\"heapMb\"\\s*:\\s*([0-9.]+)");

    private final ServerProcess server;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean stopped;
    private long lastSeq; // read and written by the sampler thread only
    private long peakRssKb = -1; // guarded by lock
    private double peakHeapMb = -1; // guarded by lock

    public ServerSampler(ServerProcess server) {
        this.server = server;
        this.thread = Thread.ofPlatform().daemon().name("sluice-load-sampler-" + server.name()).start(this::loop);
    }

    private void loop() {
        int tick = 0;
        while (!stopped) {
            long rss = server.rssKb();
            lock.lock();
            try {
                peakRssKb = Math.max(peakRssKb, rss);
            } finally {
                lock.unlock();
            }
            if (tick++ % 2 == 0) {
                readHeap();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS));
        }
    }

    private void readHeap() {
        String body;
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(server.uri() + "/stats?since=" + lastSeq).toURL().openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(1000);
            try (InputStream in = c.getInputStream()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } finally {
                c.disconnect();
            }
        } catch (IOException | RuntimeException e) {
            return;
        }
        Matcher seq = SEQ.matcher(body);
        while (seq.find()) {
            lastSeq = Math.max(lastSeq, Long.parseLong(seq.group(1)));
        }
        Matcher heap = HEAP.matcher(body);
        double max = -1;
        while (heap.find()) {
            max = Math.max(max, Double.parseDouble(heap.group(1)));
        }
        lock.lock();
        try {
            peakHeapMb = Math.max(peakHeapMb, max);
        } finally {
            lock.unlock();
        }
    }

    /** The peaks since the last call (or the start), and starts the next window. */
    public Peaks takePeaks() {
        long rss = server.rssKb();
        lock.lock();
        try {
            Peaks p = new Peaks(Math.max(peakRssKb, rss) < 0 ? -1 : Math.max(peakRssKb, rss) / 1024.0, peakHeapMb);
            peakRssKb = -1;
            peakHeapMb = -1;
            return p;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        LockSupport.unpark(thread);
        thread.join(TimeUnit.SECONDS.toMillis(5));
    }
}
