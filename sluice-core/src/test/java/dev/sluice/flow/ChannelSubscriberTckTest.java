package dev.sluice.flow;

import dev.sluice.channel.Channel;
import dev.sluice.channel.ChannelClosedException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowSubscriberBlackboxVerification;
import org.testng.annotations.AfterMethod;

/**
 * The Reactive Streams TCK's black-box subscriber rules against {@link FlowAdapters#toSubscriber}. Each
 * subscriber feeds a small channel drained by a consumer thread; after each test the channels are closed
 * and the consumers checked to have ended.
 */
public class ChannelSubscriberTckTest extends FlowSubscriberBlackboxVerification<Integer> {

    private final List<Channel<Integer>> channels = new CopyOnWriteArrayList<>();
    private final List<Thread> consumers = new CopyOnWriteArrayList<>();

    public ChannelSubscriberTckTest() {
        super(new TestEnvironment(1_000, 200));
    }

    @Override
    public Flow.Subscriber<Integer> createFlowSubscriber() {
        Channel<Integer> ch = Channel.bounded(4);
        channels.add(ch);
        consumers.add(Thread.ofVirtual().name("tck-consumer").start(() -> {
            try {
                for (Integer ignored : ch) {
                    // drain, so the subscriber's credit is renewed
                }
            } catch (ChannelClosedException failedByTheStream) {
                // onError failed the channel: the iteration ends with it
            }
        }));
        return FlowAdapters.toSubscriber(ch);
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
