package dev.sluice.channel.lincheck;

/**
 * How much work the Lincheck tests do: the CI size times {@code SLUICE_STRESS_SCALE} (default 1). The
 * scale multiplies the number of generated scenarios, never the size of one scenario, so a larger scale
 * means "more interleavings explored", not "bigger interleavings".
 */
final class LincheckScale {

    private LincheckScale() { }

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

    /** {@code base} scaled, at least 1. */
    static int scaled(int base) {
        return (int) Math.max(1, Math.round(base * scale()));
    }
}
