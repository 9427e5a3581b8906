package dev.sluice.flow;

import java.util.concurrent.Flow;

/**
 * A {@link Flow.Subscriber} that feeds a sluice channel with credit-based flow control; made by
 * {@link FlowAdapters#toSubscriber(dev.sluice.channel.SendPort, int)}, where its behaviour is described.
 * Subscribe it to one publisher; it refuses (cancels) any further subscription.
 *
 * @param <T> the item type
 */
public interface ChannelSubscriber<T> extends Flow.Subscriber<T> {

    /**
     * Cancels the subscription (at once, or as soon as there is one) and discards items still in the
     * subscriber's buffer; the channel is left open. Idempotent; callable from any thread.
     */
    void cancel();

    /** The credit window: the most items requested-and-not-yet-forwarded at any time. */
    int window();

    /** Items requested from the publisher so far. */
    long requested();

    /** Items sent on into the channel so far. */
    long forwarded();

    /** True once the stream ended (completed, failed, cancelled, or the channel closed) and nothing is left to forward. */
    boolean isDone();
}
