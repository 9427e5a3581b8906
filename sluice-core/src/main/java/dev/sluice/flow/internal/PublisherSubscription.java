package dev.sluice.flow.internal;

import dev.sluice.CancellableContext;
import dev.sluice.CancelledException;
import dev.sluice.Context;
import dev.sluice.channel.ChannelClosedException;
import dev.sluice.channel.ReceivePort;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** One subscriber's subscription to a channel: a demand counter and a drain task that receives to meet it. */
final class PublisherSubscription<T> implements Flow.Subscription, Runnable {
    /*
     * Implementation overview
     *
     * All signals to the subscriber come from drain(), and drain() runs only while `wip` (work in
     * progress) is held: whoever moves it from 0 to 1 runs or schedules the drain, everyone else only
     * increments it, and the drain loops until it brings it back to 0. That gives serial signals (rule
     * 1.3) and makes request() from inside onNext (rule 3.3) a counter increment instead of a recursion.
     * subscribe() holds wip from construction until onSubscribe returns, so no onNext can overlap
     * onSubscribe.
     *
     * The drain receives only while it has demand: first tryReceive (no allocation, no registration),
     * then a blocking receive with this subscription's context, which cancel() cancels to wake it. With
     * no demand it does not receive at all; it only checks whether the channel is closed and drained, so
     * an empty finished stream completes without a request.
     *
     * request(n <= 0) records the IllegalArgumentException and lets the drain deliver it, since onError
     * must not run concurrently with an onNext already in progress on the drain thread (rule 3.9 + 1.3).
     * Demand saturates at Long.MAX_VALUE, which means unbounded (rule 3.17).
     */

    private final ReceivePort<T> source;
    private final Executor executor;
    private volatile Flow.Subscriber<? super T> subscriber;
    private final AtomicLong requested = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger(1);
    private final CancellableContext context = Context.background().withCancel();
    private volatile boolean cancelled;
    private volatile IllegalArgumentException badRequest;
    /** An item tryReceive returned at the moment it was only probing for the end; delivered first. Drain-only. */
    private T held;

    PublisherSubscription(ReceivePort<T> source, Executor executor, Flow.Subscriber<? super T> subscriber) {
        this.source = source;
        this.executor = executor;
        this.subscriber = subscriber;
    }

    /** Called once onSubscribe has returned: releases the wip unit subscribe() held. */
    void start() {
        schedule();
    }

    @Override
    public void request(long n) {
        if (n <= 0) {
            if (badRequest == null) {
                badRequest = new IllegalArgumentException("request(" + n + "): Reactive Streams rule 3.9 requires n > 0");
            }
        } else {
            long r;
            long next;
            do {
                r = requested.get();
                if (r == Long.MAX_VALUE) {
                    break;
                }
                next = r + n;
                if (next < 0) {
                    next = Long.MAX_VALUE;
                }
            } while (!requested.compareAndSet(r, next));
        }
        signal();
    }

    @Override
    public void cancel() {
        if (!cancelled) {
            cancelled = true;
            subscriber = null; // rule 3.13: drop the reference
            context.cancel();
        }
    }

    private void signal() {
        if (wip.getAndIncrement() == 0) {
            schedule();
        }
    }

    /** Runs the drain on the executor; the caller holds wip. */
    private void schedule() {
        if (cancelled) {
            return;
        }
        try {
            executor.execute(this);
        } catch (RejectedExecutionException e) {
            terminate(e); // we hold wip, so no other signal can be in progress
        }
    }

    @Override
    public void run() {
        int missed = 1;
        for (;;) {
            if (cancelled) {
                return;
            }
            IllegalArgumentException bad = badRequest;
            if (bad != null) {
                terminate(bad);
                return;
            }
            long r = requested.get();
            long e = 0;
            while (e != r) {
                if (cancelled || badRequest != null) {
                    break;
                }
                T item = held;
                if (item != null) {
                    held = null;
                } else {
                    try {
                        item = source.tryReceive();
                        if (item == null) {
                            item = source.receive(context);
                        }
                    } catch (ChannelClosedException closed) {
                        terminate(closed.isFailure() ? closed.getCause() : null);
                        return;
                    } catch (CancelledException cancelledWhileWaiting) {
                        return; // our context: cancel() was called
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        terminate(new CancelledException("the publisher's drain thread was interrupted", interrupted));
                        return;
                    }
                }
                Flow.Subscriber<? super T> s = subscriber;
                if (s == null) {
                    return;
                }
                try {
                    s.onNext(item);
                } catch (Throwable t) {
                    cancel(); // rule 2.13: a throwing onNext is a broken subscriber
                    return;
                }
                e++;
            }
            if (e != 0 && r != Long.MAX_VALUE) {
                requested.addAndGet(-e);
            }
            if (e == r && held == null && !cancelled && badRequest == null && endedWithoutDemand()) {
                return;
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    /** With no demand left: if the channel is closed and drained, terminate and return true. */
    private boolean endedWithoutDemand() {
        if (!source.isClosed() || source.size() != 0) {
            return false;
        }
        try {
            held = source.tryReceive(); // null unless a sender's item was still in flight
            return false;
        } catch (ChannelClosedException closed) {
            terminate(closed.isFailure() ? closed.getCause() : null);
            return true;
        }
    }

    /** Signals onComplete (null) or onError, once; the caller holds wip. */
    private void terminate(Throwable error) {
        Flow.Subscriber<? super T> s = subscriber;
        cancelled = true;
        subscriber = null;
        context.cancel();
        if (s == null) {
            return;
        }
        try {
            if (error == null) {
                s.onComplete();
            } else {
                s.onError(error);
            }
        } catch (Throwable ignored) {
            // Rule 2.13: the subscriber broke the contract; the stream is over either way.
        }
    }
}
