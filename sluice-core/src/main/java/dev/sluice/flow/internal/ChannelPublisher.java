package dev.sluice.flow.internal;

import dev.sluice.channel.ReceivePort;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;

/** A channel's receive side as a Flow.Publisher: one {@link PublisherSubscription} per subscriber. */
public final class ChannelPublisher<T> implements Flow.Publisher<T> {

    private final ReceivePort<T> source;
    private final Executor executor;

    public ChannelPublisher(ReceivePort<T> source, Executor executor) {
        this.source = source;
        this.executor = executor;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super T> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber"); // rule 1.9
        PublisherSubscription<T> subscription = new PublisherSubscription<>(source, executor, subscriber);
        try {
            subscriber.onSubscribe(subscription);
        } catch (Throwable t) {
            // Rule 2.13: a subscriber that throws from onSubscribe is broken; treat it as cancelled.
            subscription.cancel();
            return;
        }
        subscription.start();
    }

    @Override
    public String toString() {
        return "ChannelPublisher[" + source.name() + "]";
    }
}
