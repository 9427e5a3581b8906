package dev.sluice.load;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Parses the durations the command line takes: {@code 30s}, {@code 500ms}, {@code 1.5s}, {@code 2m},
 * {@code 1h}, or ISO-8601 ({@code PT30S}). Negative values are refused here; whether zero is allowed is the
 * caller's decision.
 */
public final class Durations {

    private Durations() {
    }

    /** Parses {@code text}; throws {@link IllegalArgumentException} naming {@code what} and the bad text. */
    public static Duration parse(String what, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(what + " is empty; write it as 30s or 500ms");
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        Duration d;
        if (t.startsWith("pt") || t.startsWith("-pt")) {
            try {
                d = Duration.parse(t.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(what + " '" + text + "' is not a duration", e);
            }
        } else {
            int i = 0;
            while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.' || t.charAt(i) == '-')) {
                i++;
            }
            String number = t.substring(0, i);
            String unit = t.substring(i).trim();
            double n;
            try {
                n = Double.parseDouble(number);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + " '" + text + "' is not a duration; write it as 30s or 500ms", e);
            }
            double nanosPerUnit = switch (unit) {
                case "ns" -> 1;
                case "us" -> 1e3;
                case "ms" -> 1e6;
                case "s", "" -> 1e9;
                case "m", "min" -> 60e9;
                case "h" -> 3600e9;
                default -> throw new IllegalArgumentException(
                        what + " '" + text + "' has an unknown unit '" + unit + "'; use ms, s, m or h");
            };
            double nanos = n * nanosPerUnit;
            if (Double.isNaN(nanos) || Math.abs(nanos) > 1e18) {
                throw new IllegalArgumentException(what + " '" + text + "' is out of range");
            }
            d = Duration.ofNanos((long) nanos);
        }
        if (d.isNegative()) {
            throw new IllegalArgumentException(what + " must not be negative, was '" + text + "'");
        }
        return d;
    }
}
