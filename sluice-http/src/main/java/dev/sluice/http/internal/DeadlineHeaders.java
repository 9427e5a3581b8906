package dev.sluice.http.internal;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Parses the two deadline headers. Both produce a time remaining in nanoseconds; malformed values throw
 * {@link IllegalArgumentException} with a message fit to send back to the client.
 *
 * <ul>
 * <li>{@code Request-Timeout}: a relative time, a non-negative whole number followed by {@code ms} or
 *     {@code s}, or a plain number of milliseconds ({@code 250ms}, {@code 2s}, {@code 1500}); at most 24 hours.
 * <li>{@code X-Request-Deadline}: an absolute time, epoch milliseconds ({@code 1764572400000}) or an RFC 3339
 *     timestamp with an offset ({@code 2026-12-01T07:00:00.250Z}, {@code 2026-12-01T08:00:00+01:00}).
 * </ul>
 */
final class DeadlineHeaders {

    static final String DEADLINE = "X-Request-Deadline";
    static final String TIMEOUT = "Request-Timeout";
    static final long MAX_TIMEOUT_NANOS = 24L * 3600 * 1_000_000_000L;
    /** Longest header value we look at; anything longer is malformed (and not echoed back whole). */
    private static final int MAX_LENGTH = 64;

    private DeadlineHeaders() { }

    /** Nanoseconds in a {@code Request-Timeout} value. */
    static long parseTimeout(String raw) {
        String v = checkLength(TIMEOUT, raw.trim());
        int end = v.length();
        long unitNanos = 1_000_000L;
        if (v.endsWith("ms")) {
            end -= 2;
        } else if (v.endsWith("s")) {
            end -= 1;
            unitNanos = 1_000_000_000L;
        }
        if (end == 0 || end > 12) {
            throw malformed(TIMEOUT, v, "expected a duration such as 250ms, 2s or 1500 (milliseconds)");
        }
        long n = 0;
        for (int i = 0; i < end; i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                throw malformed(TIMEOUT, v, "expected a duration such as 250ms, 2s or 1500 (milliseconds)");
            }
            n = n * 10 + (c - '0');
        }
        if (n > MAX_TIMEOUT_NANOS / unitNanos) {
            throw malformed(TIMEOUT, v, "longer than 24 hours");
        }
        return n * unitNanos;
    }

    /** The instant in an {@code X-Request-Deadline} value. */
    static Instant parseDeadline(String raw) {
        String v = checkLength(DEADLINE, raw.trim());
        if (!v.isEmpty() && v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            if (v.length() > 15) {
                throw malformed(DEADLINE, v, "epoch milliseconds out of range");
            }
            return Instant.ofEpochMilli(Long.parseLong(v));
        }
        try {
            return OffsetDateTime.parse(v.toUpperCase(Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeException e) {
            throw malformed(DEADLINE, v, "expected epoch milliseconds or an RFC 3339 time such as 2026-12-01T07:00:00Z");
        }
    }

    private static String checkLength(String header, String v) {
        if (v.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("malformed " + header + " header: longer than " + MAX_LENGTH + " characters");
        }
        return v;
    }

    private static IllegalArgumentException malformed(String header, String value, String why) {
        return new IllegalArgumentException("malformed " + header + " header '" + value + "': " + why);
    }
}
