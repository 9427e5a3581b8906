package dev.sluice.examples;

import dev.sluice.pool.PoolStats;
import dev.sluice.pool.WorkerPool;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The guide's coffee shop, run for real on a {@link WorkerPool}: baristas are workers, chairs are the
 * queue, a customer who finds every chair taken leaves ({@code trySubmit} returns false). Customers
 * arrive at random (exponential gaps, so a Poisson stream) at a chosen rate; each drink takes a fixed
 * time. Time is scaled: one second of the shop is 0.1 ms here, so the guide's 90-second drink takes
 * 9 ms and a working day of eight hours about three seconds.
 *
 * <p>It runs four shops — the guide's, one with a broken espresso machine, one with a fourth barista, and
 * the first one again at a quiet hour — and for each prints what was served, who was turned away, the
 * waits, and a check of Little's law: the average number of customers in the shop, sampled from the
 * pool's own counters ({@code queueDepth + running}) from opening until the last customer leaves,
 * against the accepted arrival rate over the same time × the average time in the shop, measured customer
 * by customer. The two are measured independently, so they agree only if the pool's
 * counters tell the truth. Run it with {@code ./sluice example coffee-shop}.
 */
public final class CoffeeShop {

    /** One shop's settings. Times are in shop seconds (one shop second = 0.1 real ms). */
    record Shop(String name, int baristas, int chairs, double drinkSeconds, double arrivalsPerMinute) {
    }

    /** What one shop measured. Times in shop seconds. */
    record Result(Shop shop, long arrived, long served, long turnedAway, double meanWait, double maxWait,
                  int maxQueue, double sampledInShop, double arrivalRate, double meanInShop) {

        /** Little's law's prediction of the number in the shop: accepted arrival rate × mean time in shop. */
        double littlesLaw() {
            return arrivalRate * meanInShop;
        }

        double littleError() {
            return Math.abs(sampledInShop - littlesLaw()) / Math.max(1e-9, littlesLaw());
        }
    }

    private static final long NANOS_PER_SHOP_SECOND = 100_000; // 0.1 ms

    private CoffeeShop() {
    }

    /** Runs one shop for {@code minutes} shop minutes of arrivals, then serves everyone who got a chair. */
    static Result open(Shop shop, double minutes, long seed) throws InterruptedException {
        WorkerPool pool = WorkerPool.builder().name("baristas").workers(shop.baristas()).queueCapacity(shop.chairs())
                .virtualThreads(false).build();
        long drinkNanos = Math.round(shop.drinkSeconds() * NANOS_PER_SHOP_SECOND);
        LongAdder waitNanos = new LongAdder();
        LongAdder inShopNanos = new LongAdder();
        AtomicLong maxWaitNanos = new AtomicLong();
        LongAdder served = new LongAdder();
        long arrived = 0;
        long turnedAway = 0;

        // The sampler reads only the pool's own counters.
        double[] sample = new double[2]; // sum of (queueDepth + running), number of samples
        int[] maxQueue = new int[1];
        Thread sampler = Thread.ofPlatform().name("coffee-sampler").start(() -> {
            SplittableRandom gaps = new SplittableRandom(seed ^ 0x5DEECE66DL);
            while (!Thread.currentThread().isInterrupted()) {
                PoolStats s = pool.stats();
                sample[0] += s.queueDepth() + s.running();
                sample[1]++;
                maxQueue[0] = Math.max(maxQueue[0], s.queueDepth());
                // Random gaps (about one shop second) so that the samples cannot lock on to the drinks' rhythm.
                LockSupport.parkNanos(50_000 + gaps.nextLong(100_000));
            }
        });

        SplittableRandom random = new SplittableRandom(seed);
        double meanGapNanos = 60.0 * NANOS_PER_SHOP_SECOND / shop.arrivalsPerMinute();
        long start = System.nanoTime();
        long end = start + Math.round(minutes * 60 * NANOS_PER_SHOP_SECOND);
        long next = start;
        while (true) {
            next += Math.round(-Math.log(1 - random.nextDouble()) * meanGapNanos);
            if (next >= end) {
                break;
            }
            long now;
            while ((now = System.nanoTime()) < next) {
                LockSupport.parkNanos(next - now);
            }
            arrived++;
            long arrival = System.nanoTime();
            boolean seated = pool.trySubmit(() -> {
                long begin = System.nanoTime();
                long w = begin - arrival;
                waitNanos.add(w);
                maxWaitNanos.accumulateAndGet(w, Math::max);
                long done = begin + drinkNanos;
                long left;
                while ((left = done - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(left); // making the drink: the barista is taken, the CPU is not
                }
                inShopNanos.add(System.nanoTime() - arrival);
                served.increment();
            });
            if (!seated) {
                turnedAway++;
            }
        }
        // Keep sampling until the last customer leaves, so that L and λ·W cover the same interval.
        pool.drain(Duration.ofMinutes(1));
        long closed = System.nanoTime();
        sampler.interrupt();
        sampler.join();

        long accepted = arrived - turnedAway;
        double seconds = (closed - start) / (double) NANOS_PER_SHOP_SECOND;
        double n = Math.max(1, served.sum());
        return new Result(shop, arrived, served.sum(), turnedAway,
                waitNanos.sum() / n / NANOS_PER_SHOP_SECOND, maxWaitNanos.get() / (double) NANOS_PER_SHOP_SECOND,
                maxQueue[0], sample[0] / Math.max(1, sample[1]), accepted / seconds,
                inShopNanos.sum() / n / NANOS_PER_SHOP_SECOND);
    }

    // ---------------------------------------------------------------- the runnable example

    static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        Flags f = new Flags("coffee-shop")
                .declare("minutes", 480, "shop minutes of arrivals per shop (one shop second = 0.1 ms)")
                .declare("rate", 2.5, "customers arriving per shop minute")
                .declare("seed", 42, "random seed for the arrivals");
        double minutes;
        double rate;
        long seed;
        try {
            f.parse(args);
            minutes = f.positiveDouble("minutes");
            rate = f.positiveDouble("rate");
            seed = f.positiveInt("seed");
        } catch (IllegalArgumentException e) {
            err.println("coffee-shop: " + e.getMessage());
            err.println(f.usage());
            return 2;
        }
        if (f.help()) {
            out.println(f.usage());
            return 0;
        }
        List<Shop> shops = List.of(
                new Shop("3 baristas, 10 chairs", 3, 10, 90, rate),
                new Shop("espresso machine broken (5 min drinks)", 3, 10, 300, rate),
                new Shop("a fourth barista", 4, 10, 90, rate),
                new Shop("a quiet hour (a third of the customers)", 3, 10, 90, rate / 3));
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < shops.size(); i++) {
            results.add(open(shops.get(i), minutes, seed + i));
        }
        if (f.machine()) {
            for (int i = 0; i < results.size(); i++) {
                Result r = results.get(i);
                out.printf(Locale.ROOT, "shop%d.arrived=%d%nshop%d.served=%d%nshop%d.turnedAway=%d%nshop%d.maxQueue=%d%n"
                                + "shop%d.meanWait=%.3f%nshop%d.sampledInShop=%.4f%nshop%d.littlesLaw=%.4f%nshop%d.littleError=%.4f%n",
                        i, r.arrived(), i, r.served(), i, r.turnedAway(), i, r.maxQueue(), i, r.meanWait(), i,
                        r.sampledInShop(), i, r.littlesLaw(), i, r.littleError());
            }
            return 0;
        }
        out.printf(Locale.ROOT, "The coffee shop: customers arrive at random, %.1f a minute; %.0f shop minutes each"
                + " (one shop second = 0.1 ms).%n%n", rate, minutes);
        out.printf(Locale.ROOT, "%-42s %7s %6s %7s %9s %8s %9s %9s %6s%n", "shop", "arrived", "served", "turned",
                "mean wait", "max wait", "in shop L", "λ·W", "error");
        for (Result r : results) {
            out.printf(Locale.ROOT, "%-42s %7d %6d %7d %8.0fs %7.0fs %9.2f %9.2f %5.1f%%%n", r.shop().name(), r.arrived(),
                    r.served(), r.turnedAway(), r.meanWait(), r.maxWait(), r.sampledInShop(), r.littlesLaw(),
                    100 * r.littleError());
        }
        out.printf(Locale.ROOT, "%nL is sampled from the pool's own counters; λ·W is the accepted arrival rate times the"
                + " mean time in the shop, measured per customer. Little's law says they are equal.%n");
        return 0;
    }
}
