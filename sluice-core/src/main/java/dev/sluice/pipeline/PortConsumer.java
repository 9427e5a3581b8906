package dev.sluice.pipeline;

import dev.sluice.Context;
import dev.sluice.channel.ReceivePort;

/**
 * A sink that is handed its input link as a {@link ReceivePort} and reads it as it likes: all of it, or a
 * few items and then return. Returning early is allowed and safe: the link is closed from the reading
 * side, the stages upstream see their sends refused and stop, and nothing is left blocked (the Go
 * "consumer that stops reading" trap). The pipeline then completes normally.
 *
 * <p>Wait on {@code context} (for example {@code input.receive(context)}): it is done when the pipeline
 * fails or is cancelled.
 *
 * @param <T> the item type
 */
@FunctionalInterface
public interface PortConsumer<T> {
    void consume(ReceivePort<T> input, Context context) throws Exception;
}
