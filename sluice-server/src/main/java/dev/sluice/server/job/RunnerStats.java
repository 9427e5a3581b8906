package dev.sluice.server.job;

/**
 * A snapshot of a runner's counters.
 *
 * @param workers       how many jobs can run at once
 * @param queueCapacity how many may wait to start, or -1 for no bound (naive mode)
 * @param queued        waiting to start now
 * @param running       running now
 * @param accepted      accepted since start
 * @param completed     finished normally since start
 * @param failed        finished by throwing since start
 * @param limit         the admission concurrency limit on jobs (queued plus running), or -1 for none
 */
public record RunnerStats(int workers, int queueCapacity, int queued, int running, long accepted, long completed,
        long failed, int limit) {

    /** Queued plus running. */
    public int inFlight() {
        return queued + running;
    }
}
