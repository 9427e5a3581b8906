package dev.sluice.bench.limit;

import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import dev.sluice.limit.ConcurrencyLimiter;
import dev.sluice.limit.Discipline;
import dev.sluice.limit.LimitExceededException;
import dev.sluice.limit.Permit;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * What the order of waiting alone changes, without a CPU in the way: an open-loop stream of requests at a
 * fixed rate into a {@link ConcurrencyLimiter} of 4 slots whose holders sleep 25 ms (so the capacity is
 * exactly 160/s, whatever else the machine is doing), with the job server's defaults: a 100 ms wait
 * budget, and for {@link Discipline#LIFO_CODEL} a 10 ms target and a 100 ms interval (what
 * {@code AdmissionControl} derives from that budget). Each request is a virtual thread, started only
 * after taking one of 10,000 permits of a semaphore (none left: the request is counted as not sent, so
 * the stream stays open-loop and the threads stay bounded); latency runs from its intended arrival. Printed per order and load: goodput, refusals, accepted p50/p99, refused
 * p99/max.
 *
 * <p>Run: {@code java -cp sluice-bench/target/benchmarks.jar dev.sluice.bench.limit.WaitOrderSimulation [seconds]}
 */
public final class WaitOrderSimulation {

    private static final int SLOTS = 4;
    private static final long SERVICE_MILLIS = 25;
    private static final Duration BUDGET = Duration.ofMillis(100);
    private static final int MAX_OUTSTANDING = 10_000;

    private WaitOrderSimulation() {
    }

    public static void main(String[] args) throws InterruptedException {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int capacity = (int) (SLOTS * 1000 / SERVICE_MILLIS);
        System.out.printf(Locale.ROOT, "# wait order simulation: %d slots x %d ms sleep = %d/s, budget %d ms, %d s per case%n",
                SLOTS, SERVICE_MILLIS, capacity, BUDGET.toMillis(), seconds);
        System.out.println("| order | load | goodput/s | refused | accepted p50 ms | accepted p99 ms | refused p99 ms | refused max ms | not sent |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int factor : new int[] {1, 10}) {
            for (Discipline d : Discipline.values()) {
                System.out.println(run(d, capacity * factor, seconds, factor));
            }
        }
    }

    private static String run(Discipline order, int rate, int seconds, int factor) throws InterruptedException {
        ConcurrencyLimiter.Builder b = ConcurrencyLimiter.builder().name("sim").limit(SLOTS).maxWaiters(1024).discipline(order);
        if (order == Discipline.LIFO_CODEL) {
            b.targetQueueDelay(Duration.ofMillis(10)).interval(BUDGET);
        }
        ConcurrencyLimiter limiter = b.build();
        int total = rate * seconds;
        long[] accepted = new long[total];
        long[] refused = new long[total];
        AtomicInteger nAccepted = new AtomicInteger();
        AtomicInteger nRefused = new AtomicInteger();
        LongAdder notSent = new LongAdder();
        Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
        long period = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        for (int i = 0; i < total; i++) {
            long due = start + i * period;
            for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime()) {
                LockSupport.parkNanos(left);
            }
            if (!outstanding.tryAcquire()) {
                notSent.increment(); // open loop: never wait for the system under test
                continue;
            }
            Thread.ofVirtual().start(() -> {
                try {
                    Permit p = limiter.acquire(Context.background().withTimeout(BUDGET));
                    try {
                        Thread.sleep(SERVICE_MILLIS);
                    } finally {
                        p.close();
                    }
                    accepted[nAccepted.getAndIncrement()] = System.nanoTime() - due;
                } catch (LimitExceededException | DeadlineExceededException e) {
                    refused[nRefused.getAndIncrement()] = System.nanoTime() - due;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    outstanding.release();
                }
            });
        }
        if (!outstanding.tryAcquire(MAX_OUTSTANDING, 30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("requests still outstanding 30 s after the last was sent");
        }
        limiter.close();
        long[] a = Arrays.copyOf(accepted, nAccepted.get());
        long[] r = Arrays.copyOf(refused, nRefused.get());
        Arrays.sort(a);
        Arrays.sort(r);
        return String.format(Locale.ROOT, "| %s | %dx (%d/s) | %.1f | %.1f%% | %.1f | %.1f | %.1f | %.1f | %d |",
                order, factor, rate, a.length / (double) seconds, 100.0 * r.length / total, ms(a, 0.5), ms(a, 0.99),
                ms(r, 0.99), r.length == 0 ? 0 : r[r.length - 1] / 1e6, notSent.sum());
    }

    private static double ms(long[] sorted, double q) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * q))] / 1e6;
    }
}
