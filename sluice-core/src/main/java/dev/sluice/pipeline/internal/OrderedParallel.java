package dev.sluice.pipeline.internal;

import dev.sluice.channel.Channel;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

/**
 * {@code mapParallel(n, ordered = true)}: n workers and no other thread. Each worker takes a slot of the
 * reorder window ({@link ReorderWindow}), then receives from the input link with a numbered receive: the
 * link hands out the item and its sequence number (its position in the link's FIFO order) in one step
 * under the channel's own lock, so the workers compete only inside the channel, exactly as unordered
 * workers do. The worker applies the function and puts the result in the reorder ring at its number;
 * whichever worker then finds a result at the head of the ring becomes the emitter: it sends results
 * downstream in sequence until it reaches a gap, giving back one slot per result. There are
 * {@code window} slots, so at most {@code window} items are between the input and the output (being
 * worked on, or done and waiting for an earlier one): a slow item holds back at most {@code window - 1}
 * others, and because every number below the newest one was handed out under a slot, the newest is less
 * than {@code window} ahead of the head and the ring never wraps onto a live slot. Every reader of the
 * input link receives numbered, so the numbers are dense; the link is read otherwise only after the stage
 * stopped early or ended.
 *
 * <p>Why no lost result: a worker writes its result (volatile) and then tries to take the emitter flag;
 * an emitter clears the flag and then re-reads the head. If the worker's attempt failed because an
 * emitter held the flag, that emitter's re-read comes after the worker's write in the order of volatile
 * accesses, sees the result, and goes round again.
 *
 * <p>Blocking: waiting for a slot is interruptible and the receive waits on the run's context;
 * cancellation interrupts every stage thread. A worker that finds the input ended gives its slot back.
 * Workers waiting on a full window are woken together once a quarter of it is free, not one per result.
 */
public final class OrderedParallel extends StageBody {

    private final int workers;
    private final int window;
    private final Function<Object, Object> f;

    public OrderedParallel(int workers, int window, Function<Object, Object> f) {
        if (workers <= 0) {
            throw new IllegalArgumentException("mapParallel needs n >= 1 workers, got " + workers);
        }
        if (window <= 0) {
            throw new IllegalArgumentException("the reorder window must be >= 1, got " + window);
        }
        if (window > Channel.MAX_CAPACITY) {
            throw new IllegalArgumentException("the reorder window must be <= " + Channel.MAX_CAPACITY + ", got " + window);
        }
        this.workers = workers;
        this.window = window;
        this.f = Objects.requireNonNull(f, "function");
    }

    @Override
    String kind() {
        return "mapParallel";
    }

    @Override
    int writers() {
        return workers;
    }

    @Override
    int readers() {
        return workers;
    }

    @Override
    void launch(StageRuntime st) {
        new Run(st).launch();
    }

    /**
     * Free slots at which workers waiting on a full window are woken: a quarter of the window, so a woken
     * worker finds several items' worth of room (see {@link ReorderWindow}).
     */
    static int wakeAt(int window) {
        return Math.max(1, window / 4);
    }

    /** The shared state of one running ordered stage. */
    private final class Run {
        final StageRuntime st;
        final ReorderWindow slots = new ReorderWindow(window, wakeAt(window));
        final AtomicReferenceArray<Object> ring = new AtomicReferenceArray<>(window);
        final AtomicBoolean emitting = new AtomicBoolean();
        final AtomicInteger alive = new AtomicInteger(workers);
        volatile long emitSeq;        // written only by the thread holding the emitter flag
        volatile boolean downstreamGone;

        Run(StageRuntime st) {
            this.st = st;
        }

        void launch() {
            for (int i = 0; i < workers; i++) {
                Meter m = st.meter(true);
                st.spawn("worker-" + i, () -> work(m));
            }
        }

        private int slot(long seq) {
            return (int) (seq % window);
        }

        private void work(Meter m) throws Throwable {
            PipelineRun run = st.run;
            StageRuntime.Emit emit = st.new Emit(st.out, m, run.ctx);
            long[] number = new long[1];
            Object held = null;
            try {
                while (true) {
                    if (run.stopping) {
                        throw run.stoppedException();
                    }
                    slots.enter();
                    Object x = st.in.receiveNumbered(m, run, number);
                    if (x == Link.END) {
                        slots.leave(1);
                        return;
                    }
                    long seq = number[0];
                    m.countIn();
                    held = x;
                    Object r = f.apply(x);
                    if (r == null) {
                        throw new NullPointerException("stage '" + st.name + "' produced null; pipeline items are never null");
                    }
                    ring.set(slot(seq), r);
                    held = null;
                    emitReady(emit);
                }
            } catch (Throwable t) {
                st.hold(emit.pending != null ? emit.pending : held);
                throw t;
            } finally {
                if (alive.decrementAndGet() == 0) {
                    // Every worker has ended: what is still in the ring was done and never emitted.
                    for (int i = 0; i < window; i++) {
                        st.hold(ring.getAndSet(i, null));
                    }
                }
                st.out.writerDone();
            }
        }

        /** Emits results from the head of the ring while they are there, if no other worker is doing so. */
        private void emitReady(StageRuntime.Emit emit) throws InterruptedException {
            while (emitting.compareAndSet(false, true)) {
                try {
                    Object r;
                    while ((r = ring.get(slot(emitSeq))) != null) {
                        ring.set(slot(emitSeq), null);
                        emitSeq = emitSeq + 1;
                        slots.leave(1);
                        if (downstreamGone) {
                            st.discarded.incrementAndGet();
                        } else if (!emit.emit(r)) {
                            downstreamGone = true;
                            st.stopEarly(st.in);
                        }
                    }
                } finally {
                    emitting.set(false);
                }
                if (ring.get(slot(emitSeq)) == null) {
                    return;
                }
            }
        }
    }
}
