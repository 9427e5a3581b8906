package dev.sluice.flow;

import dev.sluice.channel.Channel;
import dev.sluice.channel.ChannelClosedException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import org.reactivestreams.tck.SubscriberWhiteboxVerification.SubscriberPuppet;
import org.reactivestreams.tck.SubscriberWhiteboxVerification.WhiteboxSubscriberProbe;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowSubscriberWhiteboxVerification;
import org.testng.annotations.AfterMethod;

/**
 * The Reactive Streams TCK's white-box subscriber rules against {@link FlowAdapters#toSubscriber}. The
 * probe wraps the real subscriber and reports each signal after the subscriber handled it. The puppet's
 * {@code triggerRequest} needs no action: the subscriber requests its window when subscribed and renews
 * credit by itself as a consumer thread drains the channel, which is what the TCK allows ("ensure that at
 * least n are eventually requested"); {@code signalCancel} is {@link ChannelSubscriber#cancel()}.
 */
public class ChannelSubscriberWhiteboxTckTest extends FlowSubscriberWhiteboxVerification<Integer> {

    private final List<Channel<Integer>> channels = new CopyOnWriteArrayList<>();
    private final List<Thread> consumers = new CopyOnWriteArrayList<>();

    public ChannelSubscriberWhiteboxTckTest() {
        super(new TestEnvironment(1_000, 200));
    }

    @Override
    public Flow.Subscriber<Integer> createFlowSubscriber(WhiteboxSubscriberProbe<Integer> probe) {
        Channel<Integer> ch = Channel.bounded(4);
        channels.add(ch);
        consumers.add(Thread.ofVirtual().name("tck-consumer").start(() -> {
            try {
                for (Integer ignored : ch) {
                    // drain, so the subscriber's credit is renewed
                }
            } catch (ChannelClosedException failedByTheStream) {
                // onError failed the channel
            }
        }));
        ChannelSubscriber<Integer> real = FlowAdapters.toSubscriber(ch);
        return new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                real.onSubscribe(subscription);
                probe.registerOnSubscribe(new SubscriberPuppet() {
                    @Override
                    public void triggerRequest(long elements) {
                        // credit is renewed by the subscriber itself as the consumer drains the channel
                    }

                    @Override
                    public void signalCancel() {
                        real.cancel();
                    }
                });
            }

            @Override
            public void onNext(Integer item) {
                real.onNext(item);
                probe.registerOnNext(item);
            }

            @Override
            public void onError(Throwable throwable) {
                real.onError(throwable);
                probe.registerOnError(throwable);
            }

            @Override
            public void onComplete() {
                real.onComplete();
                probe.registerOnComplete();
            }
        };
    }

    @Override
    public Integer createElement(int element) {
        return element;
    }

    @AfterMethod
    public void closeChannels() throws InterruptedException {
        for (Channel<Integer> ch : channels) {
            ch.close();
        }
        channels.clear();
        for (Thread t : consumers) {
            if (!t.join(Duration.ofSeconds(5))) {
                throw new AssertionError("consumer thread did not end: " + t);
            }
        }
        consumers.clear();
    }
}
