package dev.sluice.pubsub;

/**
 * Sizes for the pub/sub and flow concurrency tests: the CI size times {@code SLUICE_STRESS_SCALE}
 * (default 1; values below 1 are treated as 1, so the default run never shrinks below what CI checks).
 */
public final class Stress {

    private Stress() { }

    /** {@code ciSize} scaled by {@code SLUICE_STRESS_SCALE}. */
    public static int scaled(int ciSize) {
        String s = System.getenv("SLUICE_STRESS_SCALE");
        double scale = 1;
        if (s != null && !s.isBlank()) {
            scale = Math.max(1, Double.parseDouble(s.strip()));
        }
        return (int) Math.min(Integer.MAX_VALUE / 8, Math.round(ciSize * scale));
    }
}
