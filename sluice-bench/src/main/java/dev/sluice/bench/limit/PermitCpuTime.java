package dev.sluice.bench.limit;

import dev.sluice.limit.ConcurrencyLimiter;
import dev.sluice.limit.Permit;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Semaphore;

/**
 * The single-threaded shapes of {@link PermitBenchmark}, timed by the thread's own CPU time instead of
 * the wall clock: on a shared machine whose load exceeds its cores, wall-clock averages mostly measure
 * how often the thread was descheduled, while CPU time counts only the instructions it ran (cache
 * pollution by the other processes remains). Implementations are interleaved round by round, so a
 * change of load hits all of them alike; the median of the rounds is printed, with min and max.
 *
 * <pre>
 * java -cp sluice-bench/target/benchmarks.jar dev.sluice.bench.limit.PermitCpuTime [rounds] [opsPerRound]
 * </pre>
 */
public final class PermitCpuTime {

    private static final int LIMIT = 1_000;
    private static volatile boolean sink;

    private PermitCpuTime() { }

    public static void main(String[] args) throws InterruptedException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int ops = args.length > 1 ? Integer.parseInt(args[1]) : 20_000_000;
        ConcurrencyLimiter sluice = ConcurrencyLimiter.of(LIMIT);
        Semaphore semaphore = new Semaphore(LIMIT);
        Bulkhead bulkhead = Bulkhead.of("bench", BulkheadConfig.custom().maxConcurrentCalls(LIMIT)
                .maxWaitDuration(Duration.ofSeconds(1)).build());
        String[] names = {"sluice tryAcquire+close", "sluice acquire+close", "Semaphore tryAcquire+release",
            "Semaphore acquire+release", "Resilience4j tryAcquirePermission+onComplete",
            "Resilience4j acquirePermission+onComplete"};
        double[][] nsPerOp = new double[names.length][rounds + 3];
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int r = 0; r < rounds + 3; r++) { // 3 warm-up rounds
            for (int k = 0; k < names.length; k++) {
                long t0 = mx.getCurrentThreadCpuTime();
                boolean ok = true;
                switch (k) {
                    case 0 -> {
                        for (int i = 0; i < ops; i++) {
                            Permit p = sluice.tryAcquire();
                            p.close();
                            ok &= p.isReleased();
                        }
                    }
                    case 1 -> {
                        for (int i = 0; i < ops; i++) {
                            Permit p = sluice.acquire();
                            p.close();
                            ok &= p.isReleased();
                        }
                    }
                    case 2 -> {
                        for (int i = 0; i < ops; i++) {
                            ok &= semaphore.tryAcquire();
                            semaphore.release();
                        }
                    }
                    case 3 -> {
                        for (int i = 0; i < ops; i++) {
                            semaphore.acquire();
                            semaphore.release();
                        }
                    }
                    case 4 -> {
                        for (int i = 0; i < ops; i++) {
                            ok &= bulkhead.tryAcquirePermission();
                            bulkhead.onComplete();
                        }
                    }
                    default -> {
                        for (int i = 0; i < ops; i++) {
                            bulkhead.acquirePermission();
                            bulkhead.onComplete();
                        }
                    }
                }
                sink = ok;
                nsPerOp[k][r] = (mx.getCurrentThreadCpuTime() - t0) / (double) ops;
            }
        }
        System.out.printf("CPU ns per acquire+release, %d rounds of %,d ops (median [min-max]):%n", rounds, ops);
        double sema = 0;
        double[] med = new double[names.length];
        for (int k = 0; k < names.length; k++) {
            double[] v = Arrays.copyOfRange(nsPerOp[k], 3, rounds + 3);
            Arrays.sort(v);
            med[k] = v[v.length / 2];
            System.out.printf("  %-45s %6.2f [%.2f-%.2f]%n", names[k], med[k], v[0], v[v.length - 1]);
        }
        System.out.printf("  sluice/Semaphore: try %.2fx, blocking %.2fx; sluice/Resilience4j: try %.2fx, blocking %.2fx%n",
                med[0] / med[2], med[1] / med[3], med[0] / med[4], med[1] / med[5]);
    }
}
