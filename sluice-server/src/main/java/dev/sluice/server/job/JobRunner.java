package dev.sluice.server.job;

import java.time.Duration;

/**
 * Runs accepted jobs. Three implementations: {@link BoundedJobRunner}, the server's; {@link RedisJobRunner},
 * the same contract on a job queue shared by a fleet of servers ({@code --redis}); and
 * {@link NaiveUnboundedJobRunner}, the deliberate anti-pattern for {@code --naive}.
 *
 * <p>{@link #submit} either accepts a job (it will then run, and its record will finish, unless the
 * process dies) or throws {@link JobRejectedException} having queued nothing. Thread-safe.
 */
public sealed interface JobRunner permits BoundedJobRunner, NaiveUnboundedJobRunner, RedisJobRunner {

    /**
     * Accepts {@code job} or refuses it; may wait for room until the wait budget, counted from
     * {@code arrivalNanos} (a {@code System.nanoTime()} reading), is spent.
     *
     * @throws JobRejectedException if there is no room within the budget, or the runner is draining
     * @throws InterruptedException if interrupted while waiting; the job was not accepted
     */
    void submit(JobRecord job, long arrivalNanos) throws JobRejectedException, InterruptedException;

    RunnerStats stats();

    /** Stops intake, lets every accepted job finish within {@code grace}, and reports. */
    DrainSummary drain(Duration grace) throws InterruptedException;

    /** After a drain: stops what is still running and waits briefly for the workers to end. */
    void abort() throws InterruptedException;

    /** Sets what is called (on the worker) after each job finishes. */
    void onFinish(java.util.function.Consumer<JobRecord> listener);
}
