package dev.sluice.pipeline;

import java.time.Duration;
import java.util.Optional;

/**
 * A started pipeline. Thread-safe: any thread may wait for it, stop it or read its statistics.
 *
 * <p>Ending: the pipeline completes when every source has ended (or stopped early because a later stage
 * wanted no more) and every item inside has reached a sink. It fails when a stage throws: the first
 * failure cancels the whole pipeline, every stage unwinds (each blocking wait of a stage is on the
 * pipeline's context, and each stage thread is interrupted), and {@link #await()} throws
 * {@link PipelineFailedException} with that failure, after every thread has ended. Cancelling from
 * outside does the same with a {@link dev.sluice.CancelledException} as the cause.
 *
 * <p>Shutdown is chosen: {@link #drain} stops the sources and lets what is inside finish; {@link #abort}
 * stops everything now and reports what was inside.
 *
 * <p>Memory consistency effects: everything a pipeline's threads did happens-before {@code await}
 * returns or throws, and before {@code drain} and {@code abort} return.
 */
public interface RunningPipeline {

    /**
     * Waits until every thread of the pipeline has ended.
     *
     * @throws PipelineFailedException if it failed or was cancelled
     * @throws InterruptedException    if the caller is interrupted while waiting (the pipeline goes on)
     */
    void await() throws InterruptedException;

    /**
     * Waits at most {@code timeout} for every thread to end.
     *
     * @return true if the pipeline completed, false if the timeout passed first (it goes on)
     * @throws PipelineFailedException if it ended by failing or being cancelled
     */
    boolean await(Duration timeout) throws InterruptedException;

    /** True once every thread has ended. */
    boolean isDone();

    /**
     * Cancels the pipeline without waiting: stages unwind, and {@link #await()} will throw
     * {@link PipelineFailedException} caused by a {@link dev.sluice.CancelledException}. No effect on a
     * pipeline that has already ended.
     */
    void cancel();

    /**
     * Stops the sources (a source waiting on its port, on the first link, or inside {@link Emitter#emit}
     * is woken), lets every item already inside run to the end, and waits at most {@code timeout} for that;
     * if the timeout passes first, aborts. Returns after every thread has ended.
     *
     * @return what was left; {@link ShutdownReport#complete()} is true if everything inside finished in time
     *         without a failure
     * @throws IllegalArgumentException if the timeout is negative
     * @throws InterruptedException     if interrupted while waiting (the pipeline is then aborted first)
     */
    ShutdownReport drain(Duration timeout) throws InterruptedException;

    /**
     * Cancels the pipeline, waits for every thread to end, and reports what was inside and not finished:
     * items left in each link and items each stage held. {@link #await()} then throws
     * {@link PipelineFailedException}.
     *
     * @throws InterruptedException if interrupted while waiting for the threads to end (they have been
     *                              told to stop)
     */
    ShutdownReport abort() throws InterruptedException;

    /** A snapshot of every stage and link. */
    PipelineStats stats();

    /**
     * The bottleneck over the interval since the previous call (the first call: since the start); see
     * {@link PipelineStats#bottleneckSince} for the rule.
     */
    Optional<Bottleneck> bottleneck();
}
