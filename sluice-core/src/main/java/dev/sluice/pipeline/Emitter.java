package dev.sluice.pipeline;

import dev.sluice.Context;

/**
 * How a {@link Generator} hands items to the pipeline.
 *
 * @param <T> the item type
 */
public interface Emitter<T> {

    /**
     * Sends {@code item} into the pipeline, waiting while the first link is full (under its policy).
     *
     * @return true if the item was sent; false if the pipeline wants no more items (a downstream stage
     *         stopped early, or {@link RunningPipeline#drain} stopped the sources): the generator should
     *         return. Items emitted after a false are discarded and counted.
     * @throws dev.sluice.CancelledException if the pipeline was cancelled or failed
     * @throws NullPointerException          if {@code item} is null
     * @throws InterruptedException          if the generator's thread is interrupted while waiting
     */
    boolean emit(T item) throws InterruptedException;

    /** The source's context: done when the pipeline is cancelled, fails, or is drained. */
    Context context();
}
