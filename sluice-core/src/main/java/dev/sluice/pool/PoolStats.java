package dev.sluice.pool;

/**
 * A snapshot of a {@link WorkerPool}'s counters. Counts are totals since the pool was built. Each
 * counter is exact, but the snapshot is taken without stopping the pool, so counters read while jobs
 * move may disagree by the few jobs in motion (for example {@code inFlight} is computed from the others
 * and never reported below zero).
 *
 * @param submitted    calls to a submit form that passed argument checks
 * @param accepted     jobs taken into the queue (or handed straight to a waiting worker)
 * @param rejected     submits refused for overload: {@code trySubmit} on a full queue, and every form
 *                     while the pool sheds load ({@link BusyException})
 * @param completed    jobs that ran and returned normally
 * @param failed       jobs that ran and threw
 * @param cancelled    accepted jobs that were not run because their handle was cancelled first
 * @param abandoned    accepted jobs that never started and were handed back by {@link WorkerPool#abort()}
 * @param inFlight     accepted jobs not yet finished (waiting in the queue or running)
 * @param running      jobs running now
 * @param queueDepth   jobs waiting in the queue now
 * @param blockedNanos total time submitters spent waiting for room in the queue
 * @param shedding     whether the pool is shedding load now
 */
public record PoolStats(long submitted, long accepted, long rejected, long completed, long failed, long cancelled,
        long abandoned, long inFlight, int running, int queueDepth, long blockedNanos, boolean shedding) {
}
