package dev.sluice.load;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a load run measured, counting only the measured part (not the warm-up). Every scheduled request is
 * in exactly one bucket: {@code scheduled = sent + notSent}, and
 * {@code sent = accepted + tooManyRequests + unavailable + otherStatus + connectionErrors + timeouts + abandoned}.
 *
 * @param plan              the plan that ran
 * @param scheduled         requests whose intended start time fell in the measured part
 * @param sent              of those, requests handed to the HTTP client
 * @param notSent           requests not sent because {@link LoadPlan#maxInFlight()} were outstanding
 *                          ("generator saturated"); they are not retried or queued
 * @param accepted          2xx answers
 * @param tooManyRequests   429 answers
 * @param unavailable       503 answers
 * @param otherStatus       any other status, by status code
 * @param connectionErrors  exchanges that failed without an answer (refused, reset)
 * @param connectionErrorKinds the same by exception class (the first few kinds seen)
 * @param timeouts          exchanges with no answer within the client timeout
 * @param abandoned         exchanges still outstanding when the drain timeout ended (aborted then)
 * @param elapsedSeconds    from the first to the last intended start of the measured part, plus one interval
 * @param maxStartLagMillis the latest the generator started a request after its intended time
 * @param peakInFlight      the most requests outstanding at once
 * @param acceptedLatency   latency of 2xx answers
 * @param answeredLatency   latency of every answer, whatever its status
 * @param rejectedLatency   latency of 429 and 503 answers: how fast the server said no
 */
public record LoadReport(LoadPlan plan, long scheduled, long sent, long notSent, long accepted,
                         long tooManyRequests, long unavailable, Map<Integer, Long> otherStatus,
                         long connectionErrors, Map<String, Long> connectionErrorKinds, long timeouts, long abandoned, double elapsedSeconds,
                         double maxStartLagMillis, long peakInFlight, Latency acceptedLatency,
                         Latency answeredLatency, Latency rejectedLatency) {

    public LoadReport {
        otherStatus = Map.copyOf(otherStatus);
        connectionErrorKinds = Map.copyOf(connectionErrorKinds);
    }

    /** Answers with a status other than 2xx, 429 and 503, summed over codes. */
    public long otherStatusTotal() {
        return otherStatus.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Other statuses, connection errors and abandoned exchanges: everything that is neither an answer we
     *  count by name nor a timeout. */
    public long otherErrors() {
        return otherStatusTotal() + connectionErrors + abandoned;
    }

    /** Accepted (2xx) answers per second of the measured part. */
    public double goodputPerSecond() {
        return elapsedSeconds > 0 ? accepted / elapsedSeconds : 0;
    }

    /** Requests actually sent per second of the measured part. */
    public double sentPerSecond() {
        return elapsedSeconds > 0 ? sent / elapsedSeconds : 0;
    }

    /** The share of sent requests answered 503, 0 to 1. */
    public double unavailableShare() {
        return sent > 0 ? (double) unavailable / sent : 0;
    }

    /** One JSON object with every figure; field names are stable (scripts read them). */
    public String toJson() {
        StringBuilder other = new StringBuilder("{");
        new TreeMap<>(otherStatus).forEach((k, v) -> {
            if (other.length() > 1) {
                other.append(',');
            }
            other.append('"').append(k).append("\":").append(v);
        });
        other.append('}');
        return String.format(Locale.ROOT,
                "{\"target\":\"%s\",\"method\":\"%s\",\"ratePerSecond\":%.3f,\"durationSeconds\":%.3f,"
                        + "\"clients\":%d,\"timeoutMs\":%d,\"maxInFlight\":%d,\"connections\":%d,"
                        + "\"scheduled\":%d,\"sent\":%d,\"notSentGeneratorSaturated\":%d,\"accepted\":%d,"
                        + "\"status429\":%d,\"status503\":%d,\"otherStatus\":%s,\"connectionErrors\":%d,"
                        + "\"otherErrors\":%d,\"clientTimeouts\":%d,\"abandoned\":%d,\"elapsedSeconds\":%.3f,"
                        + "\"sentPerSecond\":%.1f,\"goodputPerSecond\":%.1f,\"maxStartLagMs\":%.3f,"
                        + "\"peakInFlight\":%d,\"acceptedLatency\":%s,\"answeredLatency\":%s,\"rejectedLatency\":%s}",
                escape(plan.target().toString()), plan.method(), plan.rate().perSecond(),
                plan.duration().toNanos() / 1e9, plan.clients(), plan.timeout().toMillis(), plan.maxInFlight(),
                plan.connections(), scheduled, sent, notSent, accepted,
                tooManyRequests, unavailable, other, connectionErrors, otherErrors(), timeouts, abandoned,
                elapsedSeconds, sentPerSecond(), goodputPerSecond(), maxStartLagMillis, peakInFlight,
                acceptedLatency.toJson(), answeredLatency.toJson(), rejectedLatency.toJson());
    }

    /** The human-readable summary {@code ./sluice load} prints. */
    public String toText() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "target             %s %s, %d client%s, %s for %.1fs (open loop)%n",
                plan.method(), plan.target(), plan.clients(), plan.clients() == 1 ? "" : "s", plan.rate(),
                plan.duration().toNanos() / 1e9));
        b.append(String.format(Locale.ROOT, "scheduled          %d%n", scheduled));
        b.append(String.format(Locale.ROOT, "sent               %d  (%.1f/s)%n", sent, sentPerSecond()));
        b.append(String.format(Locale.ROOT, "not sent           %d  (generator saturated: %d in flight)%n",
                notSent, plan.maxInFlight()));
        b.append(String.format(Locale.ROOT, "accepted (2xx)     %d%n", accepted));
        b.append(String.format(Locale.ROOT, "429                %d%n", tooManyRequests));
        b.append(String.format(Locale.ROOT, "503                %d  (%.1f%% of sent)%n", unavailable,
                100 * unavailableShare()));
        b.append(String.format(Locale.ROOT, "other errors       %d  (other statuses %s, connection errors %d, abandoned %d)%n",
                otherErrors(), new TreeMap<>(otherStatus), connectionErrors, abandoned));
        if (!connectionErrorKinds.isEmpty()) {
            b.append(String.format(Locale.ROOT, "connection errors  %s%n", new TreeMap<>(connectionErrorKinds)));
        }
        b.append(String.format(Locale.ROOT, "client timeouts    %d  (timeout %d ms)%n", timeouts, plan.timeout().toMillis()));
        b.append(String.format(Locale.ROOT, "goodput            %.1f accepted/s%n", goodputPerSecond()));
        b.append(String.format(Locale.ROOT, "latency, accepted  %s%n", acceptedLatency.toText()));
        b.append(String.format(Locale.ROOT, "latency, 429/503   %s%n", rejectedLatency.toText()));
        b.append(String.format(Locale.ROOT, "latency, answered  %s%n", answeredLatency.toText()));
        b.append(String.format(Locale.ROOT, "peak in flight     %d; latest start %.1f ms after its intended time%n",
                peakInFlight, maxStartLagMillis));
        return b.toString();
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
