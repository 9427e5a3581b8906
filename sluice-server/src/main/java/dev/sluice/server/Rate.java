package dev.sluice.server;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A rate such as {@code 1000/s}: {@code permits} per {@code period}. Parsed from the command line's
 * {@code --rate} and {@code --per-client}; {@link #parse} accepts {@code N/s}, {@code N/m}, {@code N/h},
 * {@code N/ms} and a period with a count ({@code 30/10s}).
 *
 * @param permits how many requests each period admits, at least 1
 * @param period  the length of the period, positive
 */
public record Rate(long permits, Duration period) {

    private static final Pattern FORM = Pattern.compile("(\\d{1,12})\\s*/\\s*(\\d{0,9})\\s*(ms|s|m|h)");

    public Rate {
        Objects.requireNonNull(period, "period");
        if (permits < 1) {
            throw new IllegalArgumentException("a rate needs at least 1 permit per period, got " + permits);
        }
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("a rate's period must be positive, got " + period);
        }
    }

    /** {@code permits} per second. */
    public static Rate perSecond(long permits) {
        return new Rate(permits, Duration.ofSeconds(1));
    }

    /**
     * Parses {@code 1000/s}, {@code 600/m}, {@code 5/100ms}, {@code 3600/h}.
     *
     * @throws IllegalArgumentException naming the accepted forms, if {@code text} is not one of them
     */
    public static Rate parse(String text) {
        Objects.requireNonNull(text, "text");
        Matcher m = FORM.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a rate: use a count per unit such as 1000/s, "
                    + "600/m, 3600/h or 5/100ms");
        }
        long permits = Long.parseLong(m.group(1));
        long count = m.group(2).isEmpty() ? 1 : Long.parseLong(m.group(2));
        Duration unit = switch (m.group(3)) {
            case "ms" -> Duration.ofMillis(1);
            case "s" -> Duration.ofSeconds(1);
            case "m" -> Duration.ofMinutes(1);
            default -> Duration.ofHours(1);
        };
        if (permits < 1 || count < 1) {
            throw new IllegalArgumentException("'" + text + "' is not a usable rate: the count and the period must be "
                    + "at least 1");
        }
        return new Rate(permits, unit.multipliedBy(count));
    }

    /** The rate in permits per second. */
    public double perSecondValue() {
        return permits * 1e9 / period.toNanos();
    }

    @Override
    public String toString() {
        Duration p = period;
        if (p.equals(Duration.ofSeconds(1))) {
            return permits + "/s";
        }
        if (p.equals(Duration.ofMinutes(1))) {
            return permits + "/m";
        }
        if (p.equals(Duration.ofHours(1))) {
            return permits + "/h";
        }
        return permits + "/" + p.toMillis() + "ms";
    }
}
