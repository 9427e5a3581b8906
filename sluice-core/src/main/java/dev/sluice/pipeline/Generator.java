package dev.sluice.pipeline;

/**
 * A source written as code, as a Go generator goroutine: it calls {@link Emitter#emit} for each item and
 * returns when it has no more (the pipeline's first link is then closed), when {@code emit} returns
 * false, or when {@link Emitter#context()} is done. Runs on the source stage's own thread. Throwing
 * fails the pipeline.
 *
 * @param <T> the item type
 */
@FunctionalInterface
public interface Generator<T> {
    void generate(Emitter<T> out) throws Exception;
}
