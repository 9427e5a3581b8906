package dev.sluice.load;

import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * Percentiles of one set of latencies, in milliseconds, each measured from the request's <em>intended</em>
 * start time (so a request the generator started late, or the server answered late, is not hidden).
 *
 * @param count how many latencies; zero means the percentiles are all zero
 */
public record Latency(long count, double p50Millis, double p90Millis, double p99Millis, double p999Millis,
                      double maxMillis) {

    /** No samples. */
    public static final Latency NONE = new Latency(0, 0, 0, 0, 0, 0);

    /** Summarises a histogram of microseconds. */
    static Latency of(Histogram micros) {
        if (micros.getTotalCount() == 0) {
            return NONE;
        }
        return new Latency(micros.getTotalCount(),
                micros.getValueAtPercentile(50) / 1000.0,
                micros.getValueAtPercentile(90) / 1000.0,
                micros.getValueAtPercentile(99) / 1000.0,
                micros.getValueAtPercentile(99.9) / 1000.0,
                micros.getMaxValue() / 1000.0);
    }

    String toJson() {
        return String.format(Locale.ROOT,
                "{\"count\":%d,\"p50Ms\":%.3f,\"p90Ms\":%.3f,\"p99Ms\":%.3f,\"p999Ms\":%.3f,\"maxMs\":%.3f}",
                count, p50Millis, p90Millis, p99Millis, p999Millis, maxMillis);
    }

    String toText() {
        if (count == 0) {
            return "none";
        }
        return String.format(Locale.ROOT, "p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f ms",
                p50Millis, p90Millis, p99Millis, p999Millis, maxMillis);
    }
}
