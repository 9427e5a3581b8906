package dev.sluice.bench.pool;

import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The pool benchmarks' shared peer and statistics. */
final class PoolPeer {

    private PoolPeer() {
    }

    /**
     * The peer of the pool benchmarks: a {@code ThreadPoolExecutor} of {@code workers} threads over an
     * {@code ArrayBlockingQueue(queue)}, whose rejection handler blocks the producer with {@code put} (not
     * CallerRuns: the producer must wait for room, as sluice's {@code submit(Job)} does). Threads are
     * pre-started; {@code factory} null means the default factory.
     */
    static ThreadPoolExecutor blockingTpe(int workers, int queue, ThreadFactory factory) {
        ThreadPoolExecutor tpe = new ThreadPoolExecutor(workers, workers, 0L, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(queue), factory == null ? Executors.defaultThreadFactory() : factory,
                (r, executor) -> {
                    try {
                        executor.getQueue().put(r);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new RejectedExecutionException(e);
                    }
                });
        tpe.prestartAllCoreThreads();
        return tpe;
    }

    static double median(double[] xs) {
        double[] c = xs.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }

    static double min(double[] xs) {
        return Arrays.stream(xs).min().orElse(Double.NaN);
    }

    static double max(double[] xs) {
        return Arrays.stream(xs).max().orElse(Double.NaN);
    }
}
