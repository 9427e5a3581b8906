package dev.sluice.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The evidence for adaptive limits: a simulated downstream whose true capacity steps
 * 100 -> 40 -> 200 concurrent requests, driven in simulated time (deterministic and fast) by a client with
 * unbounded demand behind a limiter. sluice's AIMD and gradient limits must follow each step within
 * {@link #SETTLE}, keep goodput at 90% of capacity or more, and never fall below their floor. Netflix's
 * AIMD and Gradient2 limits run through the same simulation; their numbers are reported, not asserted
 * (written to {@code target/limit-simulation.txt} and stdout).
 *
 * <p>The downstream: {@code C} servers, each request needs one for 10 ms +-20% (seeded jitter); requests
 * beyond {@code C} wait in a FIFO queue of up to {@code C} more; beyond that they are rejected after 1 ms
 * (a drop). Capacity in throughput is {@code C / 10 ms}. Goodput counts successful responses.
 */
@Timeout(120)
class LimitSimulationTest {

    private static final long MS = 1_000_000L;
    private static final long SERVICE = 10 * MS;
    private static final long REJECT_RTT = MS;
    private static final long PHASE = 20_000 * MS;
    private static final int[] CAPACITY = {100, 40, 200};
    private static final long SETTLE = 3_000 * MS;
    private static final long BUCKET = 100 * MS;
    private static final int MAX_INFLIGHT = 1_000;
    private static final int FLOOR = 1;

    // ------------------------------------------------------------------ the gates under test

    /** What the simulated client goes through: admit (null when refused) and report. */
    interface Gate {
        Object tryStart(long now);

        void finish(Object handle, long now, boolean dropped);

        int limit();

        String name();
    }

    static final class SimClock implements java.util.function.LongSupplier {
        long now;

        @Override
        public long getAsLong() {
            return now;
        }
    }

    static final class SluiceGate implements Gate {
        final ConcurrencyLimiter limiter;
        final String name;

        SluiceGate(String name, Limit limit, SimClock clock) {
            this.name = name;
            this.limiter = ConcurrencyLimiter.builder().limit(limit).clock(clock).maxWaiters(0).build();
        }

        @Override
        public Object tryStart(long now) {
            return limiter.tryAcquire();
        }

        @Override
        public void finish(Object handle, long now, boolean dropped) {
            Permit p = (Permit) handle;
            if (dropped) {
                p.releaseDropped();
            } else {
                p.close();
            }
        }

        @Override
        public int limit() {
            return limiter.limit();
        }

        @Override
        public String name() {
            return name;
        }
    }

    /** Netflix's Limit driven directly, with the same admission rule as a simple limiter. */
    static final class NetflixGate implements Gate {
        final com.netflix.concurrency.limits.Limit limit;
        final String name;
        int inflight;

        NetflixGate(String name, com.netflix.concurrency.limits.Limit limit) {
            this.name = name;
            this.limit = limit;
        }

        @Override
        public Object tryStart(long now) {
            if (inflight >= limit.getLimit()) {
                return null;
            }
            inflight++;
            return new long[] {now, inflight};
        }

        @Override
        public void finish(Object handle, long now, boolean dropped) {
            long[] h = (long[]) handle;
            inflight--;
            limit.onSample(h[0], now - h[0], (int) h[1], dropped);
        }

        @Override
        public int limit() {
            return limit.getLimit();
        }

        @Override
        public String name() {
            return name;
        }
    }

    // ------------------------------------------------------------------ the simulation

    /** Per-phase results. */
    record PhaseResult(int capacity, double meanLimit, int minLimitAfterSettle, int maxLimitAfterSettle,
                       double goodputShare, double meanLatencyMs, long drops) { }

    record RunResult(String name, int minLimitEver, List<PhaseResult> phases, long settleNanosWorst) { }

    static RunResult simulate(Gate gate, SimClock clock) {
        SplittableRandom random = new SplittableRandom(42);
        // Events (service completions and rejections) in a fixed-size binary min-heap by time.
        long[] evTime = new long[MAX_INFLIGHT + 1];
        int[] evSlot = new int[MAX_INFLIGHT + 1];
        int evSize = 0;
        // Request slots and a free list.
        Object[] handle = new Object[MAX_INFLIGHT];
        long[] admitted = new long[MAX_INFLIGHT];
        boolean[] rejected = new boolean[MAX_INFLIGHT];
        int[] free = new int[MAX_INFLIGHT];
        int freeTop = 0;
        for (int i = MAX_INFLIGHT - 1; i >= 0; i--) {
            free[freeTop++] = i;
        }
        // The downstream's FIFO wait queue: a ring of slots, bounded by the largest capacity.
        int[] ring = new int[MAX_INFLIGHT];
        int ringHead = 0;
        int ringSize = 0;
        int busy = 0;

        long end = PHASE * CAPACITY.length;
        int buckets = (int) (end / BUCKET);
        long[] okPerBucket = new long[buckets];
        long[] latencySumPerBucket = new long[buckets];
        long[] dropsPerBucket = new long[buckets];
        long[] limitSumPerBucket = new long[buckets];
        long[] limitCountPerBucket = new long[buckets];
        int[] limitMinPerBucket = new int[buckets];
        int[] limitMaxPerBucket = new int[buckets];
        java.util.Arrays.fill(limitMinPerBucket, Integer.MAX_VALUE);
        int minLimitEver = Integer.MAX_VALUE;

        long now = 0;
        while (now < end) {
            clock.now = now;
            int cap = CAPACITY[(int) (now / PHASE)];
            // Servers freed by a capacity increase take queued requests.
            while (busy < cap && ringSize > 0) {
                int s = ring[ringHead];
                ringHead = (ringHead + 1) % ring.length;
                ringSize--;
                busy++;
                evSize = push(evTime, evSlot, evSize, now + service(random), s);
            }
            // The client has unbounded demand: it sends whenever the gate admits.
            while (freeTop > 0) {
                Object h = gate.tryStart(now);
                if (h == null) {
                    break;
                }
                int s = free[--freeTop];
                handle[s] = h;
                admitted[s] = now;
                if (busy < cap) {
                    busy++;
                    rejected[s] = false;
                    evSize = push(evTime, evSlot, evSize, now + service(random), s);
                } else if (ringSize < cap) {
                    rejected[s] = false;
                    ring[(ringHead + ringSize) % ring.length] = s;
                    ringSize++;
                } else {
                    rejected[s] = true;
                    evSize = push(evTime, evSlot, evSize, now + REJECT_RTT, s);
                }
            }
            int lim = gate.limit();
            minLimitEver = Math.min(minLimitEver, lim);
            int b = (int) (now / BUCKET);
            limitSumPerBucket[b] += lim;
            limitCountPerBucket[b]++;
            limitMinPerBucket[b] = Math.min(limitMinPerBucket[b], lim);
            limitMaxPerBucket[b] = Math.max(limitMaxPerBucket[b], lim);
            if (evSize == 0) {
                now += MS; // nothing in flight (cannot happen with a floor of 1, but never spin)
                continue;
            }
            // Advance to the next event and handle every event at that time.
            long t = evTime[1];
            now = t;
            clock.now = now;
            if (now >= end) {
                break;
            }
            while (evSize > 0 && evTime[1] == t) {
                int s = evSlot[1];
                evSize = pop(evTime, evSlot, evSize);
                int bucket = (int) (now / BUCKET);
                if (rejected[s]) {
                    dropsPerBucket[bucket]++;
                    gate.finish(handle[s], now, true);
                } else {
                    busy--;
                    okPerBucket[bucket]++;
                    latencySumPerBucket[bucket] += now - admitted[s];
                    gate.finish(handle[s], now, false);
                    int capNow = CAPACITY[(int) (now / PHASE)];
                    if (busy < capNow && ringSize > 0) {
                        int q = ring[ringHead];
                        ringHead = (ringHead + 1) % ring.length;
                        ringSize--;
                        busy++;
                        evSize = push(evTime, evSlot, evSize, now + service(random), q);
                    }
                }
                handle[s] = null;
                free[freeTop++] = s;
            }
        }

        List<PhaseResult> phases = new ArrayList<>();
        long settleWorst = 0;
        int perPhase = (int) (PHASE / BUCKET);
        for (int p = 0; p < CAPACITY.length; p++) {
            int c = CAPACITY[p];
            int from = p * perPhase + (int) (SETTLE / BUCKET);
            int to = (p + 1) * perPhase;
            long ok = 0;
            long latency = 0;
            long drops = 0;
            long limitSum = 0;
            long limitCount = 0;
            int min = Integer.MAX_VALUE;
            int max = 0;
            for (int i = from; i < to; i++) {
                ok += okPerBucket[i];
                latency += latencySumPerBucket[i];
                drops += dropsPerBucket[i];
                limitSum += limitSumPerBucket[i];
                limitCount += limitCountPerBucket[i];
                min = Math.min(min, limitMinPerBucket[i]);
                max = Math.max(max, limitMaxPerBucket[i]);
            }
            double seconds = (double) (to - from) * BUCKET / TimeUnit.SECONDS.toNanos(1);
            double capacityPerSecond = c / (SERVICE / 1e9);
            phases.add(new PhaseResult(c, (double) limitSum / limitCount, min, max,
                    ok / seconds / capacityPerSecond, ok == 0 ? 0 : latency / (double) ok / MS, drops));
            // Settling time: first bucket after the step from which the mean limit stays within [0.9C, 2C].
            int settled = -1;
            for (int i = (p + 1) * perPhase - 1; i >= p * perPhase; i--) {
                double mean = (double) limitSumPerBucket[i] / limitCountPerBucket[i];
                if (mean < 0.9 * c || mean > 2.0 * c) {
                    break;
                }
                settled = i;
            }
            long settleNanos = settled < 0 ? PHASE : (settled - p * perPhase) * BUCKET;
            settleWorst = Math.max(settleWorst, settleNanos);
        }
        return new RunResult(gate.name(), minLimitEver, phases, settleWorst);
    }

    private static long service(SplittableRandom random) {
        return (long) (SERVICE * (0.8 + 0.4 * random.nextDouble()));
    }

    private static int push(long[] time, int[] slot, int size, long t, int s) {
        int i = ++size;
        while (i > 1 && time[i / 2] > t) {
            time[i] = time[i / 2];
            slot[i] = slot[i / 2];
            i /= 2;
        }
        time[i] = t;
        slot[i] = s;
        return size;
    }

    private static int pop(long[] time, int[] slot, int size) {
        long t = time[size];
        int s = slot[size];
        size--;
        int i = 1;
        while (2 * i <= size) {
            int c = 2 * i;
            if (c + 1 <= size && time[c + 1] < time[c]) {
                c++;
            }
            if (time[c] >= t) {
                break;
            }
            time[i] = time[c];
            slot[i] = slot[c];
            i = c;
        }
        time[i] = t;
        slot[i] = s;
        return size;
    }

    // ------------------------------------------------------------------ the test

    @Test
    void adaptiveLimitsFollowCapacityStepsKeepGoodputAndNeverFallBelowTheFloor() throws IOException {
        List<RunResult> results = new ArrayList<>();
        SimClock c1 = new SimClock();
        RunResult aimd = simulate(new SluiceGate("sluice AimdLimit", AimdLimit.builder().initialLimit(20).minLimit(FLOOR)
                .maxLimit(MAX_INFLIGHT).backoffRatio(0.9).latencyTarget(Duration.ofMillis(15)).build(), c1), c1);
        results.add(aimd);
        SimClock c2 = new SimClock();
        RunResult gradient = simulate(new SluiceGate("sluice GradientLimit", GradientLimit.builder().initialLimit(20)
                .minLimit(FLOOR).maxLimit(MAX_INFLIGHT).build(), c2), c2);
        results.add(gradient);
        results.add(simulate(new NetflixGate("Netflix AIMDLimit", com.netflix.concurrency.limits.limit.AIMDLimit.newBuilder()
                .initialLimit(20).minLimit(FLOOR).maxLimit(MAX_INFLIGHT).backoffRatio(0.9)
                .timeout(15, TimeUnit.MILLISECONDS).build()), new SimClock()));
        results.add(simulate(new NetflixGate("Netflix Gradient2Limit", com.netflix.concurrency.limits.limit.Gradient2Limit.newBuilder()
                .initialLimit(20).minLimit(FLOOR).maxConcurrency(MAX_INFLIGHT).build()), new SimClock()));

        String report = report(results);
        System.out.println(report);
        Path out = Path.of("target", "limit-simulation.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report, StandardCharsets.UTF_8);

        for (RunResult r : List.of(aimd, gradient)) {
            assertThat(r.minLimitEver()).as(r.name() + " floor").isGreaterThanOrEqualTo(FLOOR);
            assertThat(r.settleNanosWorst()).as(r.name() + " settling time (ns)").isLessThanOrEqualTo(SETTLE);
            for (PhaseResult p : r.phases()) {
                assertThat(p.goodputShare()).as(r.name() + " goodput share at capacity " + p.capacity()).isGreaterThanOrEqualTo(0.90);
                assertThat(p.minLimitAfterSettle()).as(r.name() + " limit after settling, capacity " + p.capacity())
                        .isGreaterThanOrEqualTo((int) (0.9 * p.capacity()));
                assertThat(p.maxLimitAfterSettle()).as(r.name() + " limit after settling, capacity " + p.capacity())
                        .isLessThanOrEqualTo(2 * p.capacity());
            }
        }
    }

    private static String report(List<RunResult> results) {
        StringBuilder sb = new StringBuilder();
        sb.append("Adaptive limit simulation: capacity 100 -> 40 -> 200 concurrent (10 ms +-20% service, queue of C,\n")
          .append("then 1 ms rejections), 20 s per phase in simulated time; per-phase figures exclude the first ")
          .append(SETTLE / 1_000_000_000L).append(" s after each step.\n")
          .append("settle = worst time after a step until the limit stays within [0.9C, 2C] for the rest of the phase.\n\n");
        sb.append(String.format(Locale.ROOT, "%-24s %5s %9s %13s %9s %10s %7s %9s %8s%n",
                "algorithm", "C", "meanLimit", "limit[min,max]", "goodput", "latencyMs", "drops", "minEver", "settle"));
        for (RunResult r : results) {
            for (PhaseResult p : r.phases()) {
                sb.append(String.format(Locale.ROOT, "%-24s %5d %9.1f %13s %8.1f%% %10.1f %7d %9d %7.1fs%n",
                        r.name(), p.capacity(), p.meanLimit(), "[" + p.minLimitAfterSettle() + "," + p.maxLimitAfterSettle() + "]",
                        100 * p.goodputShare(), p.meanLatencyMs(), p.drops(), r.minLimitEver(), r.settleNanosWorst() / 1e9));
            }
        }
        return sb.toString();
    }
}
