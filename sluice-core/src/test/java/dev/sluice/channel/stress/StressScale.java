package dev.sluice.channel.stress;

import java.time.Duration;

/**
 * Sizes of the stress tests. {@code SLUICE_STRESS_SCALE} (default 1, the CI size) multiplies the number
 * of items; {@code SLUICE_STRESS_SCALE=10} is the full size, 10,000,000 items per capacity.
 */
final class StressScale {

    /** Items per capacity at scale 1. */
    static final long CI_ITEMS = 1_000_000;

    private StressScale() { }

    static double scale() {
        String s = System.getenv("SLUICE_STRESS_SCALE");
        if (s == null || s.isBlank()) {
            return 1.0;
        }
        double v = Double.parseDouble(s.trim());
        if (!(v > 0)) {
            throw new IllegalArgumentException("SLUICE_STRESS_SCALE must be > 0, was " + s);
        }
        return v;
    }

    /** {@code ciItems} times the scale, rounded up to a multiple of {@code multipleOf}. */
    static int items(long ciItems, int multipleOf) {
        long n = (long) Math.ceil(ciItems * scale());
        n = (n + multipleOf - 1) / multipleOf * multipleOf;
        if (n > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("SLUICE_STRESS_SCALE too large: " + n + " items");
        }
        return (int) Math.max(multipleOf, n);
    }

    /**
     * How long a run of {@code items} items may take before it counts as hung: generous (a slow shared
     * CI machine moves at least ~20,000 items/s even at capacity 0), plus a fixed minute.
     */
    static Duration deadlineFor(long items) {
        return Duration.ofSeconds(60 + items / 20_000);
    }
}
