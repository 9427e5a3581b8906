package dev.sluice.bench.pool;

import dev.sluice.pool.Job;
import dev.sluice.pool.WorkerPool;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The shape of {@link PoolThroughputBenchmark} (one producer, 2 platform workers, a queue of 256, batches
 * of 10,000 no-op jobs, each batch observed complete), with the implementations interleaved round by round
 * in one JVM and timed two ways: the wall clock (jobs/s, what the target is about) and the CPU time
 * of the producer and of the workers (ns per job, from {@code ThreadMXBean}). On a shared machine whose load
 * exceeds its cores the wall clock mostly measures descheduling; CPU time counts only what the threads ran
 * (spinning and lock contention included), so it ranks the implementations' costs more steadily.
 *
 * <p>Implementations (first argument, comma-separated; all by default):
 * <ul>
 *   <li>{@code sluice}: {@code submit(Job)}, which blocks for room and returns a future (the headline);
 *   <li>{@code sluice-try}: {@code trySubmit(Job)} (no future), falling back to {@code submit(Job)} only
 *       when the queue is full, to show how much of the producer's cost is the future;
 *   <li>{@code tpe}: {@code ThreadPoolExecutor(2, 2)} with an {@code ArrayBlockingQueue(256)} whose
 *       rejection handler blocks on {@code put}, fed with {@code execute} (no handle: the peer of
 *       {@code sluice-try});
 *   <li>{@code tpe-submit}: the same executor fed with {@code submit(Runnable)}, which returns a
 *       {@code Future} as sluice's {@code submit} does (the like-for-like peer of {@code sluice}).
 * </ul>
 * Each ratio is the median of the per-round ratios against {@code tpe} and {@code tpe-submit} (paired
 * within a round).
 *
 * <pre>{@code
 * java -cp sluice-bench/target/benchmarks.jar dev.sluice.bench.pool.PoolCpuRatio [impls] [rounds] [producers]
 * }</pre>
 */
public final class PoolCpuRatio {

    private static final int JOBS = 10_000;
    private static final int BATCHES_PER_ROUND = 50;
    private static final int WARM_UP_ROUNDS = 5;
    /** The implementations each sluice one is compared with, round by round. */
    private static final String[] PEERS = {"tpe", "tpe-submit"};
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final AtomicInteger remaining = new AtomicInteger();
    private volatile Thread waiter;
    private final Job job = this::countDown;
    private final Runnable runnable = this::countDown;

    private void countDown() {
        if (remaining.decrementAndGet() == 0) {
            LockSupport.unpark(waiter);
        }
    }

    /** One implementation under test: submits one job, and names its worker threads. */
    private interface Impl {
        void submit() throws InterruptedException;

        List<Thread> workers();

        void close() throws InterruptedException;
    }

    public static void main(String[] args) throws Exception {
        String[] impls = (args.length > 0 ? args[0] : "sluice,sluice-try,tpe,tpe-submit").split(",");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        int producers = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        new PoolCpuRatio().run(impls, rounds, producers);
    }

    private Impl create(String kind) {
        return switch (kind) {
            case "sluice", "sluice-try" -> {
                WorkerPool pool = WorkerPool.builder().name("cpu-" + kind).workers(2).queueCapacity(256).build();
                boolean tryFirst = kind.equals("sluice-try");
                yield new Impl() {
                    @Override
                    public void submit() throws InterruptedException {
                        if (!tryFirst || !pool.trySubmit(job)) {
                            pool.submit(job);
                        }
                    }

                    @Override
                    public List<Thread> workers() {
                        return threadsNamed("cpu-" + kind + "-worker-");
                    }

                    @Override
                    public void close() throws InterruptedException {
                        pool.drain(Duration.ofSeconds(10));
                    }
                };
            }
            case "tpe", "tpe-submit" -> {
                AtomicInteger n = new AtomicInteger();
                String prefix = "cpu-" + kind + "-worker-";
                ThreadPoolExecutor tpe = PoolPeer.blockingTpe(2, 256, r -> new Thread(r, prefix + n.getAndIncrement()));
                boolean withFuture = kind.equals("tpe-submit");
                yield new Impl() {
                    @Override
                    public void submit() {
                        if (withFuture) {
                            tpe.submit(runnable);
                        } else {
                            tpe.execute(runnable);
                        }
                    }

                    @Override
                    public List<Thread> workers() {
                        return threadsNamed(prefix);
                    }

                    @Override
                    public void close() throws InterruptedException {
                        tpe.shutdown();
                        tpe.awaitTermination(10, TimeUnit.SECONDS);
                    }
                };
            }
            default -> throw new IllegalArgumentException("unknown implementation " + kind);
        };
    }

    private static List<Thread> threadsNamed(String prefix) {
        List<Thread> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix)) {
                out.add(t);
            }
        }
        return out;
    }

    private static long cpu(List<Thread> ts) {
        long n = 0;
        for (Thread t : ts) {
            n += Math.max(0L, THREADS.getThreadCpuTime(t.threadId()));
        }
        return n;
    }

    /** One round of one implementation: wall-clock jobs/s, producer and worker CPU ns per job. */
    private double[] round(Impl impl, int producers) throws Exception {
        List<Thread> workers = impl.workers();
        long jobs = (long) BATCHES_PER_ROUND * JOBS;
        long w0 = cpu(workers);
        long[] producerCpu = new long[producers];
        long start = System.nanoTime();
        if (producers == 1) {
            long p0 = THREADS.getCurrentThreadCpuTime();
            for (int b = 0; b < BATCHES_PER_ROUND; b++) {
                remaining.set(JOBS);
                for (int i = 0; i < JOBS; i++) {
                    impl.submit();
                }
                while (remaining.get() != 0) {
                    LockSupport.park(this);
                }
            }
            producerCpu[0] = THREADS.getCurrentThreadCpuTime() - p0;
        } else {
            // Several producers share each batch; the main thread waits for the batch to complete.
            for (int b = 0; b < BATCHES_PER_ROUND; b++) {
                remaining.set(JOBS);
                Thread[] ps = new Thread[producers];
                for (int p = 0; p < producers; p++) {
                    int share = JOBS / producers + (p < JOBS % producers ? 1 : 0);
                    int index = p;
                    ps[p] = Thread.ofPlatform().start(() -> {
                        long p0 = THREADS.getCurrentThreadCpuTime();
                        try {
                            for (int i = 0; i < share; i++) {
                                impl.submit();
                            }
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        producerCpu[index] += THREADS.getCurrentThreadCpuTime() - p0;
                    });
                }
                for (Thread p : ps) {
                    p.join();
                }
                while (remaining.get() != 0) {
                    LockSupport.park(this);
                }
            }
        }
        long wall = System.nanoTime() - start;
        long workerCpu = cpu(workers) - w0;
        return new double[] {jobs / (wall / 1e9), (double) Arrays.stream(producerCpu).sum() / jobs,
                (double) workerCpu / jobs};
    }

    private void run(String[] kinds, int rounds, int producers) throws Exception {
        waiter = Thread.currentThread();
        Impl[] impls = new Impl[kinds.length];
        for (int i = 0; i < kinds.length; i++) {
            impls[i] = create(kinds[i]);
        }
        double[][][] r = new double[kinds.length][rounds][];
        for (int round = -WARM_UP_ROUNDS; round < rounds; round++) {
            StringBuilder line = new StringBuilder();
            for (int k = 0; k < kinds.length; k++) {
                int i = (k + Math.max(0, round)) % kinds.length; // rotate which goes first
                double[] x = round(impls[i], producers);
                if (round >= 0) {
                    r[i][round] = x;
                }
            }
            if (round >= 0) {
                line.append(String.format("round %2d:", round));
                for (int i = 0; i < kinds.length; i++) {
                    line.append(String.format("  %s %.2fM/s cpu %.0f+%.0f ns", kinds[i], r[i][round][0] / 1e6,
                            r[i][round][1], r[i][round][2]));
                }
                System.out.println(line);
            }
        }
        System.out.printf("%d producer(s), 2 platform workers, queue 256, %d rounds of %d jobs; median [min-max]%n",
                producers, rounds, BATCHES_PER_ROUND * JOBS);
        for (int i = 0; i < kinds.length; i++) {
            double[] tput = column(r[i], 0);
            double[] prod = column(r[i], 1);
            double[] work = column(r[i], 2);
            double[] total = new double[rounds];
            for (int j = 0; j < rounds; j++) {
                total[j] = prod[j] + work[j];
            }
            StringBuilder ratio = new StringBuilder();
            for (String peerName : PEERS) {
                int peer = Arrays.asList(kinds).indexOf(peerName);
                if (peer < 0 || peer == i || kinds[i].startsWith("tpe")) {
                    continue;
                }
                double[] wallRatio = new double[rounds];
                double[] cpuRatio = new double[rounds];
                for (int j = 0; j < rounds; j++) {
                    wallRatio[j] = tput[j] / r[peer][j][0];
                    cpuRatio[j] = (r[peer][j][1] + r[peer][j][2]) / total[j];
                }
                ratio.append(String.format("  throughput/%s %.2f [%.2f-%.2f]  %s cpu/this cpu %.2f [%.2f-%.2f]",
                        peerName, PoolPeer.median(wallRatio), PoolPeer.min(wallRatio), PoolPeer.max(wallRatio), peerName,
                        PoolPeer.median(cpuRatio), PoolPeer.min(cpuRatio), PoolPeer.max(cpuRatio)));
            }
            System.out.printf("%-10s %.2fM jobs/s [%.2f-%.2f]  cpu/job: producer %.0f ns, workers %.0f ns, total %.0f ns"
                    + " [%.0f-%.0f]%s%n", kinds[i], PoolPeer.median(tput) / 1e6, PoolPeer.min(tput) / 1e6, PoolPeer.max(tput) / 1e6,
                    PoolPeer.median(prod), PoolPeer.median(work), PoolPeer.median(total), PoolPeer.min(total), PoolPeer.max(total), ratio);
        }
        for (Impl impl : impls) {
            impl.close();
        }
    }

    private static double[] column(double[][] rows, int c) {
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = rows[i][c];
        }
        return out;
    }
}
