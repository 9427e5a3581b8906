package dev.sluice.flow.internal;

import dev.sluice.CancellableContext;
import dev.sluice.CancelledException;
import dev.sluice.Context;
import dev.sluice.channel.ChannelClosedException;
import dev.sluice.channel.SendPort;
import dev.sluice.flow.ChannelSubscriber;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** A Flow.Subscriber feeding a channel through a window-sized buffer it grants credit for. */
public final class ChannelSubscriberImpl<T> implements ChannelSubscriber<T> {
    /*
     * Implementation overview
     *
     * The buffer is a single-producer single-consumer ring of `window` slots: the producer is onNext
     * (signals are serial, rule 1.3), the consumer is drain(). Invariant: (requested - arrived) + (items
     * in the ring) <= window. It holds at the start (request(window), empty ring) and is kept because
     * credit is only granted for a slot once its item has left the ring. Hence onNext always finds a free
     * slot, unless the publisher breaks rule 1.1, which is detected and refused.
     *
     * drain() runs under a wip counter (the same pattern as PublisherSubscription), so every call to the
     * upstream Subscription (request, cancel) comes from it, serially (rule 2.7), and a request that makes
     * a synchronous publisher call onNext re-entrantly only bumps the counter. It forwards with trySend;
     * when the channel is full and it is running on the onNext thread it hands itself, still holding wip,
     * to a forwarding task that may block in send (onNext must not block, rule 2.2 spirit), and that task
     * carries on until the ring is empty.
     *
     * An item leaves the ring (head advances) only after it was sent, so "ring empty" means nothing is in
     * flight and a new item can never overtake one being sent.
     */

    private final SendPort<T> sink;
    private final int window;
    /** Credit is returned to the publisher in batches of this many freed slots. */
    private final int batch;
    private final Executor executor;
    private final Object[] ring;
    /** Next slot onNext fills; written only by onNext. */
    private final AtomicLong tail = new AtomicLong();
    /** Next slot drain forwards; written only by drain. */
    private final AtomicLong head = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();
    private final CancellableContext context = Context.background().withCancel();

    private volatile Flow.Subscription upstream;
    private volatile boolean completed;
    private volatile Throwable error;
    private volatile boolean cancelRequested;
    private volatile IllegalStateException overflow;
    private volatile long requestedTotal;
    private volatile long forwardedTotal;
    private volatile boolean done;

    // Drain-only state.
    private boolean initialRequested;
    private boolean upstreamCancelled;
    private boolean sinkGone;
    private boolean overflowHandled;
    private long credit;

    public ChannelSubscriberImpl(SendPort<T> sink, int window, Executor executor) {
        this.sink = sink;
        this.window = window;
        this.batch = Math.max(1, window / 2);
        this.executor = executor;
        this.ring = new Object[window];
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        Objects.requireNonNull(subscription, "subscription"); // rule 2.13
        if (upstream != null) {
            subscription.cancel(); // rule 2.5: one subscription only
            return;
        }
        upstream = subscription;
        signal();
    }

    @Override
    public void onNext(T item) {
        Objects.requireNonNull(item, "item"); // rule 2.13
        long t = tail.get();
        if (t - head.get() >= window) {
            if (overflow == null) {
                overflow = new IllegalStateException("the publisher sent more items than requested (Reactive Streams rule 1.1): "
                        + "the window of " + window + " was full");
            }
            context.cancel(); // wake a forwarder waiting in send, so the drain sees the violation
            signal();
            return;
        }
        ring[(int) (t % window)] = item;
        tail.set(t + 1); // publishes the slot's item to drain
        signal();
    }

    @Override
    public void onError(Throwable throwable) {
        Objects.requireNonNull(throwable, "throwable"); // rule 2.13
        error = throwable;
        completed = true;
        signal();
    }

    @Override
    public void onComplete() {
        completed = true;
        signal();
    }

    @Override
    public void cancel() {
        cancelRequested = true;
        context.cancel();
        signal();
    }

    private void signal() {
        if (wip.getAndIncrement() == 0) {
            drain(false, 1);
        }
    }

    @SuppressWarnings("unchecked")
    private void drain(boolean onForwarder, int missed) {
        for (;;) {
            Flow.Subscription up = upstream;
            boolean stop = cancelRequested || overflow != null;
            if (stop && up != null && !upstreamCancelled) {
                upstreamCancelled = true;
                up.cancel();
            }
            if (overflow != null && !overflowHandled) {
                overflowHandled = true;
                sinkGone = true;
                sink.fail(overflow);
            }
            if (stop) {
                sinkGone = true;
            }
            if (up != null && !initialRequested && !upstreamCancelled) {
                initialRequested = true;
                credit += window;
            }
            long forwarded = 0;
            for (;;) {
                long h = head.get();
                if (h == tail.get()) {
                    break;
                }
                int slot = (int) (h % window);
                T item = (T) ring[slot];
                if (!sinkGone) {
                    try {
                        if (!sink.trySend(item)) {
                            if (!onForwarder) {
                                handToForwarder(missed);
                                forwardedTotal += forwarded;
                                return;
                            }
                            sink.send(item, context);
                        }
                        forwarded++;
                    } catch (ChannelClosedException | CancelledException gone) {
                        sinkGone = true; // closed by someone else, or our cancel(): discard the rest
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        sinkGone = true;
                    } catch (RuntimeException refused) {
                        // e.g. ChannelFullException from a REJECT channel: the item cannot be delivered.
                        sinkGone = true;
                        sink.fail(refused);
                    }
                }
                ring[slot] = null;
                head.set(h + 1);
                credit++;
            }
            if (forwarded != 0) {
                forwardedTotal += forwarded;
            }
            if (sinkGone && up != null && !upstreamCancelled) {
                upstreamCancelled = true;
                up.cancel();
            }
            if (!upstreamCancelled && up != null && !completed && credit >= batch) {
                long n = credit;
                credit = 0;
                requestedTotal += n;
                up.request(n);
            }
            if ((completed || sinkGone) && head.get() == tail.get() && !done) {
                if (completed && !sinkGone) {
                    Throwable e = error;
                    if (e == null) {
                        sink.close();
                    } else {
                        sink.fail(e);
                    }
                }
                done = true;
                context.cancel();
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    /** Continues the drain on a task that may block in send; the caller holds wip and passes it on. */
    private void handToForwarder(int missed) {
        try {
            executor.execute(() -> drain(true, missed));
        } catch (RejectedExecutionException e) {
            // No thread to wait on: the items cannot be delivered without blocking onNext.
            cancelRequested = true;
            sink.fail(e);
            sinkGone = true;
            drain(true, missed); // no blocking send happens once sinkGone: it only discards and cancels
        }
    }

    @Override
    public int window() {
        return window;
    }

    @Override
    public long requested() {
        return requestedTotal;
    }

    @Override
    public long forwarded() {
        return forwardedTotal;
    }

    @Override
    public boolean isDone() {
        return done;
    }

    @Override
    public String toString() {
        return "ChannelSubscriber[" + sink.name() + ", window=" + window + ", requested=" + requestedTotal
                + ", forwarded=" + forwardedTotal + (done ? ", done]" : "]");
    }
}
