package dev.sluice.examples;

import dev.sluice.Context;
import dev.sluice.pubsub.Latest;
import dev.sluice.pubsub.Versioned;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A price screen that redraws a few times a second, fed by a ticker that moves thousands of times a
 * second. A queue between them would fill with prices nobody will look at, and the screen would show
 * ever older ones; a {@link Latest} register keeps only the newest (conflation), so the ticker never
 * waits and the screen always draws the current price, skipping the ones it had no time for.
 *
 * <p>The example checks freshness as it goes: before each read the screen notes the ticker's latest
 * version, and the value it reads must be at least that new. Run it with
 * {@code ./sluice example latest-price}.
 */
public final class LatestPrice {

    /** A price at a tick. */
    record Price(String symbol, long tick, double value) {
    }

    /** What the run saw. */
    record Result(long ticks, long frames, long stalerThanTicker, long wentBackwards, long lastDrawnTick,
                  long lastTick, long maxSkipped) {
    }

    private LatestPrice() {
    }

    static Result watch(Duration duration, Duration frame) throws InterruptedException {
        Latest<Price> price = Latest.create();
        AtomicLong published = new AtomicLong(); // the version of the ticker's latest set
        long end = System.nanoTime() + duration.toNanos();
        Thread ticker = Thread.ofPlatform().name("ticker").start(() -> {
            double p = 100.0;
            long tick = 0;
            while (System.nanoTime() < end) {
                p += (tick % 7 - 3) * 0.01;
                long v = price.set(new Price("SLU", ++tick, p));
                published.set(v);
                if ((tick & 63) == 0) {
                    Thread.yield(); // a busy feed, but leave the screen a core on small machines
                }
            }
            price.close(); // the feed ends: the screen draws the last price and stops
        });

        long frames = 0;
        long stale = 0;
        long backwards = 0;
        long seen = 0;
        long lastTick = 0;
        long maxSkipped = 0;
        long frameNanos = frame.toNanos();
        while (true) {
            long tickerAt = published.get();
            Versioned<Price> v;
            try (var ctx = Context.background().withTimeout(Duration.ofSeconds(10)).withCancel()) {
                v = price.awaitNewer(seen, ctx);
            } catch (dev.sluice.pubsub.RegisterClosedException closed) {
                break; // nothing newer will come
            }
            frames++;
            if (v.version() < tickerAt) {
                stale++;
            }
            if (v.version() <= seen || v.value().tick() < lastTick) {
                backwards++;
            }
            maxSkipped = Math.max(maxSkipped, v.version() - seen - 1);
            seen = v.version();
            lastTick = v.value().tick();
            LockSupport.parkNanos(frameNanos); // drawing the frame takes this long
        }
        ticker.join();
        Versioned<Price> last = price.get();
        return new Result(last == null ? 0 : last.version(), frames, stale, backwards, lastTick,
                last == null ? 0 : last.value().tick(), maxSkipped);
    }

    // ---------------------------------------------------------------- the runnable example

    static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        Flags f = new Flags("latest-price")
                .declare("seconds", 2, "how long the ticker runs")
                .declare("frame", "50ms", "how long the screen takes to draw one frame");
        double seconds;
        Duration frame;
        try {
            f.parse(args);
            seconds = f.positiveDouble("seconds");
            frame = f.duration("frame");
        } catch (IllegalArgumentException e) {
            err.println("latest-price: " + e.getMessage());
            err.println(f.usage());
            return 2;
        }
        if (f.help()) {
            out.println(f.usage());
            return 0;
        }
        Result r = watch(Duration.ofMillis(Math.round(seconds * 1000)), frame);
        if (f.machine()) {
            out.printf(Locale.ROOT, "ticks=%d%nframes=%d%nstalerThanTicker=%d%nwentBackwards=%d%nlastDrawnTick=%d%n"
                            + "lastTick=%d%nmaxSkipped=%d%n", r.ticks(), r.frames(), r.stalerThanTicker(), r.wentBackwards(),
                    r.lastDrawnTick(), r.lastTick(), r.maxSkipped());
            return 0;
        }
        out.printf(Locale.ROOT, "The ticker moved the price %,d times in %.1f s; the screen drew %d frames.%n",
                r.ticks(), seconds, r.frames());
        out.printf(Locale.ROOT, "  frames older than the ticker's latest price at the time of reading: %d%n", r.stalerThanTicker());
        out.printf(Locale.ROOT, "  frames that went backwards: %d%n", r.wentBackwards());
        out.printf(Locale.ROOT, "  prices skipped between two frames, at most: %,d (a queue would have kept them all)%n",
                r.maxSkipped());
        out.printf(Locale.ROOT, "  last frame drawn: tick %,d of %,d%n", r.lastDrawnTick(), r.lastTick());
        return 0;
    }
}
