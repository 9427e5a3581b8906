package dev.sluice.server.stats;

/**
 * One point of the dashboard's charts: rates over the sampling interval before {@code atMillis}, levels
 * at that instant.
 *
 * @param seq               increasing sample number, for {@code GET /stats?since=}
 * @param atMillis          milliseconds since the server started
 * @param admittedPerSec    requests answered 202 or 200 by {@code POST /jobs}
 * @param rejected429PerSec answered 429 (rate limits)
 * @param rejected503PerSec answered 503 (no room, shedding, draining)
 * @param otherPerSec       answered anything else (bad input, errors)
 * @param completedPerSec   jobs finished
 * @param queueDepth        jobs waiting to start
 * @param queueCapacity     the queue's capacity, -1 if unbounded (naive mode)
 * @param inFlight          jobs queued or running
 * @param running           jobs running
 * @param limit             the admission concurrency limit, -1 if none
 * @param requestsInFlight  requests holding an admission slot now, -1 if the admission layer does not say
 * @param p50Millis         median latency (acceptance to finish) of jobs finished in the interval, null if none
 * @param p99Millis         99th percentile of the same, null if none
 * @param heapMb            heap in use, MiB
 */
public record Sample(long seq, long atMillis, double admittedPerSec, double rejected429PerSec,
        double rejected503PerSec, double otherPerSec, double completedPerSec, int queueDepth, int queueCapacity,
        int inFlight, int running, int limit, int requestsInFlight, Double p50Millis, Double p99Millis, double heapMb) {
}
