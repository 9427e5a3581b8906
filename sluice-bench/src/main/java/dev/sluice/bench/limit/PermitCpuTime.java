package dev.sluice.bench.limit;

import dev.sluice.Context;
import dev.sluice.limit.ConcurrencyLimiter;
import dev.sluice.limit.Permit;
import dev.sluice.pool.Job;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Semaphore;
import java.util.stream.IntStream;

/**
 * The {@code ...Body} shapes of {@link PermitBenchmark}, timed by the threads' own CPU time instead of
 * the wall clock: on a shared machine whose load exceeds its cores, wall-clock averages mostly measure
 * how often a thread was descheduled, while CPU time counts only the instructions it ran (including its
 * stalls on cache lines another core holds, so contention still shows; cache pollution by the other
 * processes remains). With {@code threads > 1} that many threads start together on one shared limiter,
 * each timing itself; the cost per operation is their CPU time summed over all their operations. Threads
 * descheduled by the load do not contend meanwhile, so on a loaded machine the contended figures are a
 * lower bound on contention's cost; the "overlap" printed for each thread count (the threads' CPU time
 * over the round's wall time, at most the number of threads or of cores) says how much they really ran
 * at the same time. For more than one thread the median is also given over only the rounds whose overlap
 * reached 80% of the most possible ({@code min(threads, cores)}): the rounds that really were contended.
 *
 * <p>Implementations are interleaved round by round, so a change of load hits all of them alike. The
 * median of the rounds is printed with min and max, and each ratio is the median of the per-round ratios
 * (paired within a round).
 *
 * <pre>
 * java -cp sluice-bench/target/benchmarks.jar dev.sluice.bench.limit.PermitCpuTime [rounds] [opsPerThread] [threads,...]
 * </pre>
 */
public final class PermitCpuTime {

    private static final int LIMIT = 1_000;
    private static final int WARM_UP_ROUNDS = 3;
    private static volatile long sink;

    private PermitCpuTime() { }

    /** One thread's loop of {@code ops} admissions around the body, with its own counter. */
    @FunctionalInterface
    private interface Shape {
        long loop(int ops, Work w) throws Exception;
    }

    private static final class Work {
        long count;
        final Job job = () -> count++;
        final Runnable runnable = () -> count++;

        void work() {
            count++;
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 11;
        int ops = args.length > 1 ? Integer.parseInt(args[1]) : 5_000_000;
        int[] threadCounts = args.length > 2
                ? Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray() : new int[] {1, 2, 4};
        ConcurrencyLimiter sluice = ConcurrencyLimiter.of(LIMIT);
        Context ctx = Context.background();
        Semaphore semaphore = new Semaphore(LIMIT);
        Bulkhead bulkhead = Bulkhead.of("bench", BulkheadConfig.custom().maxConcurrentCalls(LIMIT)
                .maxWaitDuration(Duration.ofSeconds(1)).build());

        String[] names = {
            "sluice tryRun(job)", "sluice run(ctx, job)",
            "sluice Permit tryAcquire+close", "sluice Permit acquire(ctx)+close",
            "Semaphore tryAcquire+release", "Semaphore acquire+release",
            "Resilience4j tryAcquirePermission+onComplete", "Resilience4j executeRunnable"};
        Shape[] shapes = {
            (n, w) -> {
                long ok = 0;
                for (int i = 0; i < n; i++) {
                    ok += sluice.tryRun(w.job) ? 1 : 0;
                }
                return ok;
            },
            (n, w) -> {
                for (int i = 0; i < n; i++) {
                    sluice.run(ctx, w.job);
                }
                return w.count;
            },
            (n, w) -> {
                for (int i = 0; i < n; i++) {
                    Permit p = sluice.tryAcquire();
                    try {
                        w.work();
                    } finally {
                        p.close();
                    }
                }
                return w.count;
            },
            (n, w) -> {
                for (int i = 0; i < n; i++) {
                    try (Permit p = sluice.acquire(ctx)) {
                        w.work();
                    }
                }
                return w.count;
            },
            (n, w) -> {
                long ok = 0;
                for (int i = 0; i < n; i++) {
                    if (semaphore.tryAcquire()) {
                        try {
                            w.work();
                        } finally {
                            semaphore.release();
                        }
                        ok++;
                    }
                }
                return ok;
            },
            (n, w) -> {
                for (int i = 0; i < n; i++) {
                    semaphore.acquire();
                    try {
                        w.work();
                    } finally {
                        semaphore.release();
                    }
                }
                return w.count;
            },
            (n, w) -> {
                long ok = 0;
                for (int i = 0; i < n; i++) {
                    if (bulkhead.tryAcquirePermission()) {
                        try {
                            w.work();
                        } finally {
                            bulkhead.onComplete();
                        }
                        ok++;
                    }
                }
                return ok;
            },
            (n, w) -> {
                for (int i = 0; i < n; i++) {
                    bulkhead.executeRunnable(w.runnable);
                }
                return w.count;
            },
        };

        for (int threads : threadCounts) {
            double[][] nsPerOp = new double[names.length][rounds];
            double[][] overlap = new double[names.length][rounds];
            for (int r = 0; r < WARM_UP_ROUNDS + rounds; r++) {
                for (int k = 0; k < names.length; k++) {
                    long w0 = System.nanoTime();
                    double ns = runRound(shapes[k], threads, ops);
                    long wall = System.nanoTime() - w0;
                    if (r >= WARM_UP_ROUNDS) {
                        nsPerOp[k][r - WARM_UP_ROUNDS] = ns;
                        overlap[k][r - WARM_UP_ROUNDS] = ns * threads * (double) ops / wall;
                    }
                }
            }
            if (sluice.inflight() != 0 || semaphore.availablePermits() != LIMIT
                    || bulkhead.getMetrics().getAvailableConcurrentCalls() != LIMIT) {
                throw new IllegalStateException("a permit leaked");
            }
            report(names, nsPerOp, overlap, threads, rounds, ops);
        }
    }

    /** Runs {@code shape} on {@code threads} threads at once; CPU ns per operation over all of them. */
    private static double runRound(Shape shape, int threads, int ops) throws Exception {
        if (threads == 1) {
            return timeOne(shape, ops, new Work());
        }
        CyclicBarrier start = new CyclicBarrier(threads);
        double[] cpu = new double[threads];
        Throwable[] failure = new Throwable[threads];
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                try {
                    Work w = new Work();
                    start.await();
                    cpu[id] = timeOne(shape, ops, w);
                } catch (Throwable e) {
                    failure[id] = e;
                }
            }, "permit-cpu-" + t);
            ts.add(th);
            th.start();
        }
        double sum = 0;
        for (int t = 0; t < threads; t++) {
            ts.get(t).join();
            if (failure[t] != null) {
                throw new IllegalStateException("benchmark thread failed", failure[t]);
            }
            sum += cpu[t];
        }
        return sum / threads;
    }

    private static double timeOne(Shape shape, int ops, Work w) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long t0 = mx.getCurrentThreadCpuTime();
        long r = shape.loop(ops, w);
        double ns = (mx.getCurrentThreadCpuTime() - t0) / (double) ops;
        sink += r + w.count;
        if (w.count != ops) {
            throw new IllegalStateException("the body ran " + w.count + " times, not " + ops);
        }
        return ns;
    }

    private static void report(String[] names, double[][] nsPerOp, double[][] overlap, int threads, int rounds, int ops) {
        System.out.printf("%n%d thread(s): CPU ns per admission+body+release, %d rounds of %,d ops per thread"
                + " (median [min-max]):%n", threads, rounds, ops);
        for (int k = 0; k < names.length; k++) {
            double[] v = nsPerOp[k].clone();
            Arrays.sort(v);
            double[] o = overlap[k].clone();
            Arrays.sort(o);
            System.out.printf("  %-45s %6.2f [%.2f-%.2f]   overlap %.2f [%.2f-%.2f]", names[k], v[v.length / 2], v[0],
                    v[v.length - 1], o[o.length / 2], o[0], o[o.length - 1]);
            System.out.println(threads > 1 ? contended(nsPerOp[k], overlap[k], threads) : "");
        }
        System.out.printf("  paired ratios (median of per-round ratios [min-max]):%n");
        ratio(nsPerOp, names, 0, 4);
        ratio(nsPerOp, names, 1, 5);
        ratio(nsPerOp, names, 0, 6);
        ratio(nsPerOp, names, 1, 7);
        ratio(nsPerOp, names, 2, 4);
        ratio(nsPerOp, names, 3, 5);
        ratio(nsPerOp, names, 2, 6);
        ratio(nsPerOp, names, 3, 7);
    }

    /** The median over the rounds in which the threads ran together for at least 80% of the time possible. */
    private static String contended(double[] nsPerOp, double[] overlap, int threads) {
        double full = 0.8 * Math.min(threads, Runtime.getRuntime().availableProcessors());
        double[] together = IntStream.range(0, overlap.length).filter(i -> overlap[i] >= full)
                .mapToDouble(i -> nsPerOp[i]).sorted().toArray();
        if (together.length == 0) {
            return "   contended rounds: none";
        }
        return String.format("   contended rounds: %d, median %.2f [%.2f-%.2f]", together.length,
                together[together.length / 2], together[0], together[together.length - 1]);
    }

    private static void ratio(double[][] nsPerOp, String[] names, int a, int b) {
        double[] r = new double[nsPerOp[a].length];
        for (int i = 0; i < r.length; i++) {
            r[i] = nsPerOp[a][i] / nsPerOp[b][i];
        }
        Arrays.sort(r);
        System.out.printf("    %-34s / %-45s %.2fx [%.2f-%.2f]%n", names[a], names[b], r[r.length / 2], r[0], r[r.length - 1]);
    }
}
