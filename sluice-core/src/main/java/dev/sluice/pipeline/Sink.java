package dev.sluice.pipeline;

/**
 * The end of a pipeline, called once per item on the sink stage's thread. A sink that throws fails the
 * pipeline: the exception reaches the caller of {@link RunningPipeline#await()}, and the item it was
 * given is reported as unfinished.
 *
 * @param <T> the item type
 */
@FunctionalInterface
public interface Sink<T> {
    void accept(T item) throws Exception;
}
