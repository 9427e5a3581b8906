package dev.sluice.http;

/**
 * A snapshot of one route class (bulkhead) of an {@link AdmissionControl}: its own concurrency limit,
 * the requests using it, and the service time it has observed.
 *
 * @param name            the route class's name ({@code "default"} for requests that match no other class)
 * @param limit           its concurrency limit now (changes if the limit is adaptive)
 * @param inflight        slots held now
 * @param waiting         requests queued for a slot now
 * @param admitted        requests admitted into this class so far
 * @param rejected        requests refused a slot in this class (503) so far
 * @param waited          requests that queued for a slot in this class so far
 * @param waitNanos       total nanoseconds requests queued in this class
 * @param serviceNanos    an exponentially weighted moving average of how long admitted requests held their
 *                        slot, in nanoseconds (0 before the first request finished); the base of {@code Retry-After}
 */
public record RouteClassStats(String name, int limit, int inflight, int waiting, long admitted, long rejected,
        long waited, long waitNanos, long serviceNanos) {
}
