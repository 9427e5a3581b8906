package dev.sluice.pool;

/**
 * What {@link WorkerPool#drain(java.time.Duration)} found when it returned. The job counts are totals
 * since the pool was built.
 *
 * @param ran          jobs that ran and returned normally
 * @param failed       jobs that ran and threw
 * @param stillRunning jobs still running when the grace period ended (0 if the pool terminated)
 * @param notStarted   accepted jobs still waiting in the queue when the grace period ended; they will
 *                     still run unless {@link WorkerPool#abort()} is called, which hands them back
 * @param terminated   true if every accepted job finished and every worker thread ended within the grace
 */
public record DrainReport(long ran, long failed, int stillRunning, int notStarted, boolean terminated) {
}
