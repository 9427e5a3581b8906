package dev.sluice.pipeline.internal;

import dev.sluice.channel.Channel;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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
    private final int window;     // 0: the default, sized when the stage starts
    private final Function<Object, Object> f;

    /** An ordered stage with an explicit reorder window of {@code window} items. */
    public OrderedParallel(int workers, int window, Function<Object, Object> f) {
        this(f, workers, checkWindow(window));
    }

    /**
     * An ordered stage with the default reorder window, chosen when it starts by the kind of thread its
     * workers run on: {@link #defaultWindow(int, boolean)}.
     */
    public static OrderedParallel withDefaultWindow(int workers, Function<Object, Object> f) {
        return new OrderedParallel(f, workers, 0);
    }

    private OrderedParallel(Function<Object, Object> f, int workers, int window) {
        if (workers <= 0) {
            throw new IllegalArgumentException("mapParallel needs n >= 1 workers, got " + workers);
        }
        this.workers = workers;
        this.window = window;
        this.f = Objects.requireNonNull(f, "function");
    }

    private static int checkWindow(int window) {
        if (window <= 0) {
            throw new IllegalArgumentException("the reorder window must be >= 1, got " + window);
        }
        if (window > Channel.MAX_CAPACITY) {
            throw new IllegalArgumentException("the reorder window must be <= " + Channel.MAX_CAPACITY + ", got " + window);
        }
        return window;
    }

    /**
     * The default reorder window: {@code max(4n, 2048)} on virtual threads, {@code max(4n, 64)} on platform
     * threads.
     *
     * <p>Why they differ: a worker that is not running while it holds an item stalls the whole stage once
     * the window is used up behind that item. On a busy machine the OS takes a core away for a time slice of
     * a few milliseconds; a virtual thread mounted on that carrier cannot move to the other one, so the stage
     * goes on for window / throughput (64 items: about 0.15 ms at 400k items/s) and stands still for the
     * rest of the slice. Measured on a shared 2-core machine while other work took about one core,
     * ordered / unordered on virtual threads: 0.50-0.58 with a window of 64, 0.64-0.66 with 256, 0.86-0.91
     * with 1024, 0.97-1.00 with 2048, 0.95-1.03 with 4096; 2048 items are a few milliseconds of fast items.
     * Platform threads are rescheduled by the OS on whichever core is free: there the window made no
     * difference beyond the noise (1.00-1.32 with 64, 0.90-1.21 with 1024), and one paired run of a 1024
     * default against 64 measured ordered 203k against 279k items/s, so they keep 64 and its smaller memory.
     */
    static int defaultWindow(int workers, boolean virtual) {
        long least = virtual ? 2048 : 64;
        return (int) Math.min(Math.max(4L * workers, least), Channel.MAX_CAPACITY);
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

    /** The reorder ring and its window: fixed for a run once its size is known. */
    private static final class Reorder {
        final int size;
        final ReorderWindow slots;
        final AtomicReferenceArray<Object> ring;

        Reorder(int size) {
            this.size = size;
            this.slots = new ReorderWindow(size, wakeAt(size));
            this.ring = new AtomicReferenceArray<>(size);
        }

        int slot(long seq) {
            return (int) (seq % size);
        }
    }

    /** The shared state of one running ordered stage. */
    private final class Run {
        final StageRuntime st;
        final AtomicReference<Reorder> reorder = new AtomicReference<>();
        final AtomicBoolean emitting = new AtomicBoolean();
        final AtomicInteger alive = new AtomicInteger(workers);
        volatile long emitSeq;        // written only by the thread holding the emitter flag
        volatile boolean downstreamGone;

        Run(StageRuntime st) {
            this.st = st;
            if (window > 0) {
                reorder.set(new Reorder(window));
            }
        }

        void launch() {
            for (int i = 0; i < workers; i++) {
                Meter m = st.meter(true);
                st.spawn("worker-" + i, () -> work(m));
            }
        }

        /** The run's ring; with the default window the first worker to start sizes it for its kind of thread. */
        private Reorder reorder() {
            Reorder r = reorder.get();
            if (r == null) {
                reorder.compareAndSet(null, new Reorder(defaultWindow(workers, Thread.currentThread().isVirtual())));
                r = reorder.get();
            }
            return r;
        }

        private void work(Meter m) throws Throwable {
            PipelineRun run = st.run;
            StageRuntime.Emit emit = st.new Emit(st.out, m, run.ctx);
            long[] number = new long[1];
            Object held = null;
            Reorder ro = reorder();
            ReorderWindow slots = ro.slots;
            AtomicReferenceArray<Object> ring = ro.ring;
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
                    ring.set(ro.slot(seq), r);
                    held = null;
                    emitReady(emit, ro);
                }
            } catch (Throwable t) {
                st.hold(emit.pending != null ? emit.pending : held);
                throw t;
            } finally {
                if (alive.decrementAndGet() == 0) {
                    // Every worker has ended: what is still in the ring was done and never emitted.
                    for (int i = 0; i < ro.size; i++) {
                        st.hold(ring.getAndSet(i, null));
                    }
                }
                st.out.writerDone();
            }
        }

        /** Emits results from the head of the ring while they are there, if no other worker is doing so. */
        private void emitReady(StageRuntime.Emit emit, Reorder ro) throws InterruptedException {
            AtomicReferenceArray<Object> ring = ro.ring;
            while (emitting.compareAndSet(false, true)) {
                try {
                    Object r;
                    while ((r = ring.get(ro.slot(emitSeq))) != null) {
                        ring.set(ro.slot(emitSeq), null);
                        emitSeq = emitSeq + 1;
                        ro.slots.leave(1);
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
                if (ring.get(ro.slot(emitSeq)) == null) {
                    return;
                }
            }
        }
    }
}
