package dev.sluice.examples;

import dev.sluice.pool.Job;
import dev.sluice.pool.WorkerPool;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Watermark shedding with hysteresis: a {@link WorkerPool} that starts refusing work when its queue is
 * 80% full and accepts again only once it is below 40%, next to the same pool with the two marks one
 * apart (80% / 79%), which is as close to a single threshold as the builder allows.
 *
 * <p>The load starts with the queue just under the high mark; each round the worker finishes a few jobs
 * and the clients offer one more than that, so demand stays above what is served. With the narrow band
 * the pool changes state twice a round — shedding, accepting, shedding — which in production shows up as
 * a flapping alert and clients that are refused and accepted in turn. With hysteresis it changes state
 * once, when it crosses 80%, and stays shedding while the backlog drains; the example then drains the
 * queue job by job and reports the depth at which each pool took work again. Run it with
 * {@code ./sluice example hysteresis-pool}.
 */
public final class HysteresisPool {

    /** What one pool went through. */
    record Result(int transitions, int accepted, int refused, boolean sheddingAtEnd, int resumedAtDepth) {
    }

    private HysteresisPool() {
    }

    /**
     * Runs {@code rounds} rounds against a pool of one worker and a queue of {@code capacity}, shedding
     * above {@code high} and resuming below {@code low}; each round the worker finishes {@code step} jobs
     * and the clients offer {@code step} more. Then the queue is drained to find where it resumes.
     */
    static Result drive(int capacity, int high, int low, int rounds, int step) throws InterruptedException {
        Semaphore finish = new Semaphore(0);
        Job job = finish::acquire; // each job runs until the driver lets one finish
        WorkerPool pool = WorkerPool.builder().name("hysteresis-" + low).workers(1).queueCapacity(capacity)
                .shedAbove(high).resumeBelow(low).build();
        try {
            int accepted = 0;
            int refused = 0;
            int transitions = 0;
            boolean shedding = false;
            // The worker holds one job; fill the queue up to just under the high mark.
            pool.trySubmit(job);
            awaitRunning(pool);
            while (pool.stats().queueDepth() < high - 1) {
                pool.trySubmit(job);
            }
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < step + 1; i++) {
                    if (pool.trySubmit(job)) {
                        accepted++;
                    } else {
                        refused++;
                    }
                    if (pool.isShedding() != shedding) {
                        shedding = !shedding;
                        transitions++;
                    }
                }
                int target = Math.max(0, pool.stats().queueDepth() - step);
                finish.release(step);
                awaitDepth(pool, target);
            }
            // Drain the backlog one job at a time, offering one job each time, to see where intake resumes.
            int resumedAt = -1;
            while (pool.stats().queueDepth() > 0 && resumedAt < 0) {
                int depth = pool.stats().queueDepth();
                finish.release(1);
                awaitDepth(pool, depth - 1);
                if (pool.trySubmit(job)) {
                    resumedAt = depth - 1;
                }
            }
            return new Result(transitions, accepted, refused, pool.isShedding(), resumedAt);
        } finally {
            finish.release(capacity + 1); // let every job that is left finish
            pool.drain(Duration.ofSeconds(10));
        }
    }

    private static void awaitRunning(WorkerPool pool) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pool.stats().running() < 1) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the worker never started its job");
            }
            LockSupport.parkNanos(50_000);
        }
    }

    private static void awaitDepth(WorkerPool pool, int depth) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pool.stats().queueDepth() > depth) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the queue did not drain to " + depth + ": " + pool.stats());
            }
            LockSupport.parkNanos(50_000);
        }
    }

    // ---------------------------------------------------------------- the runnable example

    static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        Flags f = new Flags("hysteresis-pool")
                .declare("capacity", 100, "queue capacity")
                .declare("rounds", 10, "rounds of load offered at the high mark")
                .declare("step", 3, "jobs finished and offered per round");
        int capacity;
        int rounds;
        int step;
        try {
            f.parse(args);
            capacity = f.positiveInt("capacity");
            rounds = f.positiveInt("rounds");
            step = f.positiveInt("step");
            if (capacity < 10) {
                throw new IllegalArgumentException("--capacity must be at least 10, was " + capacity);
            }
        } catch (IllegalArgumentException e) {
            err.println("hysteresis-pool: " + e.getMessage());
            err.println(f.usage());
            return 2;
        }
        if (f.help()) {
            out.println(f.usage());
            return 0;
        }
        int high = capacity * 8 / 10;
        int low = capacity * 4 / 10;
        Result narrow = drive(capacity, high, high - 1, rounds, step);
        Result wide = drive(capacity, high, low, rounds, step);
        if (f.machine()) {
            out.printf(Locale.ROOT, "rounds=%d%nnarrow.transitions=%d%nnarrow.resumedAtDepth=%d%nwide.transitions=%d%n"
                            + "wide.resumedAtDepth=%d%nwide.accepted=%d%nwide.refused=%d%nhigh=%d%nlow=%d%n", rounds,
                    narrow.transitions(), narrow.resumedAtDepth(), wide.transitions(), wide.resumedAtDepth(),
                    wide.accepted(), wide.refused(), high, low);
            return 0;
        }
        out.printf(Locale.ROOT, "A queue of %d hovering at its high mark for %d rounds (%d jobs out, %d offered per round).%n%n",
                capacity, rounds, step, step + 1);
        out.printf(Locale.ROOT, "%-34s %12s %10s %10s %20s%n", "pool", "state flips", "accepted", "refused", "resumed at depth");
        out.printf(Locale.ROOT, "%-34s %12d %10d %10d %20d%n", "shedAbove(" + high + ").resumeBelow(" + (high - 1) + ")",
                narrow.transitions(), narrow.accepted(), narrow.refused(), narrow.resumedAtDepth());
        out.printf(Locale.ROOT, "%-34s %12d %10d %10d %20d%n", "shedAbove(" + high + ").resumeBelow(" + low + ")",
                wide.transitions(), wide.accepted(), wide.refused(), wide.resumedAtDepth());
        out.printf(Locale.ROOT, "%nWith hysteresis the pool flips once and resumes only below %d; the narrow band flips"
                + " with every round.%n", low);
        return 0;
    }
}
