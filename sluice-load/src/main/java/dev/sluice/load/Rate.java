package dev.sluice.load;

import java.util.Locale;

/**
 * An arrival rate: how many requests the generator starts per second, whatever the server does.
 *
 * <p>Parsed from {@code 2000/s}, {@code 2000} (per second), {@code 120/m} or {@code 120/min}. A rate must be
 * positive and finite and at most {@link #MAX_PER_SECOND}; anything else is refused with a message naming the
 * bad value.
 *
 * @param perSecond requests started per second; positive and at most {@link #MAX_PER_SECOND}
 */
public record Rate(double perSecond) {

    /** The highest rate accepted: beyond this one scheduler thread cannot hold the intended start times. */
    public static final double MAX_PER_SECOND = 200_000;

    public Rate {
        if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("rate must be positive, was " + perSecond + "/s");
        }
        if (perSecond > MAX_PER_SECOND) {
            throw new IllegalArgumentException(
                    "rate " + perSecond + "/s is above the generator's limit of " + (long) MAX_PER_SECOND + "/s");
        }
    }

    /** Parses {@code N}, {@code N/s}, {@code N/m} or {@code N/min}; throws with the bad text in the message. */
    public static Rate parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("rate is empty; write it as 2000/s");
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        double divisor = 1;
        int slash = t.indexOf('/');
        String number = t;
        if (slash >= 0) {
            number = t.substring(0, slash).trim();
            String unit = t.substring(slash + 1).trim();
            divisor = switch (unit) {
                case "s", "sec", "second" -> 1;
                case "m", "min", "minute" -> 60;
                default -> throw new IllegalArgumentException(
                        "rate '" + text + "' has an unknown unit '" + unit + "'; use /s or /min");
            };
        }
        double n;
        try {
            n = Double.parseDouble(number);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("rate '" + text + "' is not a number; write it as 2000/s", e);
        }
        if (!(n > 0) || Double.isInfinite(n)) {
            throw new IllegalArgumentException("rate must be positive, was '" + text + "'");
        }
        return new Rate(n / divisor);
    }

    /** Nanoseconds between two intended start times. */
    public double intervalNanos() {
        return 1e9 / perSecond;
    }

    @Override
    public String toString() {
        return (perSecond == Math.rint(perSecond) ? String.valueOf((long) perSecond)
                : String.format(Locale.ROOT, "%.3f", perSecond)) + "/s";
    }
}
