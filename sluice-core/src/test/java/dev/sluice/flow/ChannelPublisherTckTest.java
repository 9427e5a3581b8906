package dev.sluice.flow;

import dev.sluice.CancellableContext;
import dev.sluice.CancelledException;
import dev.sluice.Context;
import dev.sluice.channel.Channel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.annotations.AfterMethod;

/**
 * The Reactive Streams TCK (a suite written by that project) against {@link FlowAdapters#toPublisher}.
 * TestNG tests, run by the JUnit Platform's TestNG engine, so they count in the surefire report.
 *
 * <p>Streams of up to {@value #PREFILLED_MAX} elements come from a channel filled and closed up front;
 * longer ones (the TCK asks for up to Long.MAX_VALUE - 1) from a producer thread that sends into a small
 * channel until the test's cleanup cancels it. Every producer thread is checked to have ended after each
 * test.
 */
public class ChannelPublisherTckTest extends FlowPublisherVerification<Integer> {

    private static final long PREFILLED_MAX = 1024;

    private final List<CancellableContext> producers = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    public ChannelPublisherTckTest() {
        // Generous timeouts: a shared 2-core machine; passing tests end as soon as the signal arrives.
        super(new TestEnvironment(1_000, 200), 2_000);
    }

    @Override
    public Flow.Publisher<Integer> createFlowPublisher(long elements) {
        if (elements <= PREFILLED_MAX) {
            Channel<Integer> ch = Channel.bounded((int) Math.max(1, elements));
            for (int i = 0; i < elements; i++) {
                if (!ch.trySend(i)) {
                    throw new AssertionError("prefill refused item " + i);
                }
            }
            ch.close();
            return FlowAdapters.toPublisher(ch);
        }
        Channel<Integer> ch = Channel.bounded(16);
        CancellableContext ctx = Context.background().withCancel();
        producers.add(ctx);
        threads.add(Thread.ofVirtual().name("tck-producer").start(() -> {
            try {
                for (long i = 0; i < elements; i++) {
                    ch.send((int) i, ctx);
                }
                ch.close();
            } catch (CancelledException | InterruptedException stopped) {
                ch.close();
            }
        }));
        return FlowAdapters.toPublisher(ch);
    }

    @Override
    public Flow.Publisher<Integer> createFailedFlowPublisher() {
        Channel<Integer> ch = Channel.bounded(1);
        ch.fail(new IllegalStateException("the channel's producer failed"));
        return FlowAdapters.toPublisher(ch);
    }

    @AfterMethod
    public void stopProducers() throws InterruptedException {
        for (CancellableContext c : producers) {
            c.cancel();
        }
        producers.clear();
        for (Thread t : threads) {
            if (!t.join(Duration.ofSeconds(5))) {
                throw new AssertionError("producer thread did not end: " + t);
            }
        }
        threads.clear();
    }
}
