package dev.sluice.http;

/**
 * A snapshot of an {@link AdmissionControl}'s counters, totals since it was built. Each counter is exact,
 * but the snapshot is read without stopping traffic, so counters read while requests move may disagree
 * by the few requests in motion.
 *
 * <p>Every request that reaches admission control ends in exactly one of {@code admitted},
 * {@code rejectedBusy}, {@code rejectedRate}, {@code rejectedBodyTooLarge}, {@code rejectedReadTimeout},
 * {@code rejectedBadRequest}, {@code rejectedDeadline} or {@code abortedWhileReading}; so {@code requests}
 * is their sum once traffic stops.
 *
 * @param requests             requests seen (not counting async or error re-dispatches of the same request)
 * @param admitted             requests given a concurrency slot and passed downstream
 * @param waited               requests that had to queue for a slot (whether admitted or not in the end)
 * @param waitNanos            total nanoseconds requests spent queued for a slot
 * @param waitTimeouts         requests that queued for the whole wait budget and got 503 (part of rejectedBusy)
 * @param rejectedBusy         {@code 503}: no slot within the wait budget, wait queue full, or shut down
 * @param rejectedRate         {@code 429}: the client's token bucket was empty
 * @param rejectedBodyTooLarge {@code 413}: declared or streamed body over the cap
 * @param rejectedReadTimeout  {@code 408}: the body did not arrive within the read budget
 * @param rejectedBadRequest   {@code 400}: a malformed deadline or client-key header
 * @param rejectedDeadline     {@code 504}: the request's deadline had passed before it could start
 * @param abortedWhileReading  the client failed or disconnected while its body was being read (no answer possible)
 * @param failed               admitted requests whose downstream threw an exception
 * @param inflight             slots held now, summed over all route classes
 * @param waiting              requests queued for a slot now, summed over all route classes
 */
public record AdmissionStats(long requests, long admitted, long waited, long waitNanos, long waitTimeouts,
        long rejectedBusy, long rejectedRate, long rejectedBodyTooLarge, long rejectedReadTimeout,
        long rejectedBadRequest, long rejectedDeadline, long abortedWhileReading, long failed,
        int inflight, int waiting) {

    /** All rejections (every 4xx and 5xx answered by admission control itself). */
    public long rejected() {
        return rejectedBusy + rejectedRate + rejectedBodyTooLarge + rejectedReadTimeout + rejectedBadRequest
                + rejectedDeadline;
    }
}
