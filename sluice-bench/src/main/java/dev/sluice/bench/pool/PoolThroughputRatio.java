package dev.sluice.bench.pool;

import dev.sluice.pool.Job;
import dev.sluice.pool.WorkerPool;
import java.time.Duration;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The shape of {@link PoolThroughputBenchmark} (one producer, 2 workers, a queue of 256, 10,000 no-op jobs
 * per batch, all of them observed complete) with sluice's pool and {@code ThreadPoolExecutor} interleaved
 * round by round in one JVM, so that each round's ratio compares the two under the same load. For a
 * shared, noisy machine, where JMH's per-implementation forks run minutes apart.
 *
 * <pre>{@code
 * java -cp sluice-bench/target/benchmarks.jar dev.sluice.bench.pool.PoolThroughputRatio 15 [virtual]
 * }</pre>
 */
public final class PoolThroughputRatio {

    private static final int JOBS = 10_000;
    private static final int BATCHES_PER_ROUND = 50;
    private static final int WARM_UP_ROUNDS = 3;

    private final AtomicInteger remaining = new AtomicInteger();
    private volatile Thread waiter;

    private void countDown() {
        if (remaining.decrementAndGet() == 0) {
            LockSupport.unpark(waiter);
        }
    }

    private void awaitAll() {
        while (remaining.get() != 0) {
            LockSupport.park(this);
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        boolean virtual = args.length > 1 && args[1].equals("virtual");
        new PoolThroughputRatio().run(rounds, virtual);
    }

    private void run(int rounds, boolean virtual) throws Exception {
        WorkerPool pool = WorkerPool.builder().name("ratio").workers(2).queueCapacity(256).virtualThreads(virtual).build();
        // The producer blocks on a full queue on both sides: here in the rejection handler, via put.
        ThreadPoolExecutor tpe = PoolPeer.blockingTpe(2, 256, virtual ? Thread.ofVirtual().factory() : null);
        Job job = this::countDown;
        Runnable runnable = this::countDown;
        waiter = Thread.currentThread();
        double[] ratios = new double[rounds];
        double[] sluice = new double[rounds];
        double[] peer = new double[rounds];
        for (int round = -WARM_UP_ROUNDS; round < rounds; round++) {
            boolean sluiceFirst = (round & 1) == 0; // alternate which goes first
            double s = 0;
            double t = 0;
            for (int side = 0; side < 2; side++) {
                boolean doSluice = (side == 0) == sluiceFirst;
                long start = System.nanoTime();
                for (int b = 0; b < BATCHES_PER_ROUND; b++) {
                    remaining.set(JOBS);
                    for (int i = 0; i < JOBS; i++) {
                        if (doSluice) {
                            pool.submit(job);
                        } else {
                            tpe.execute(runnable);
                        }
                    }
                    awaitAll();
                }
                double perSecond = (double) BATCHES_PER_ROUND * JOBS / ((System.nanoTime() - start) / 1e9);
                if (doSluice) {
                    s = perSecond;
                } else {
                    t = perSecond;
                }
            }
            if (round >= 0) {
                sluice[round] = s;
                peer[round] = t;
                ratios[round] = s / t;
                System.out.printf("round %2d: sluice %.2fM jobs/s, TPE %.2fM jobs/s, ratio %.2f%n", round, s / 1e6,
                        t / 1e6, s / t);
            }
        }
        System.out.printf("%s workers, %d rounds: sluice median %.2fM [%.2f-%.2f], TPE median %.2fM [%.2f-%.2f], "
                + "ratio median %.2f [%.2f-%.2f]%n", virtual ? "virtual" : "platform", rounds, PoolPeer.median(sluice) / 1e6,
                PoolPeer.min(sluice) / 1e6, PoolPeer.max(sluice) / 1e6, PoolPeer.median(peer) / 1e6, PoolPeer.min(peer) / 1e6, PoolPeer.max(peer) / 1e6,
                PoolPeer.median(ratios), PoolPeer.min(ratios), PoolPeer.max(ratios));
        pool.drain(Duration.ofSeconds(10));
        tpe.shutdown();
        tpe.awaitTermination(10, TimeUnit.SECONDS);
    }
}
