package dev.sluice.pipeline.internal;

import dev.sluice.channel.Channel;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * {@code mapParallel(n, ordered = true)}: n workers and no other thread. Workers take turns at the input
 * (a lock held across one receive), so each item gets a sequence number in input order; the worker applies
 * the function and puts the result in the reorder ring at its number. Whichever worker then finds a result
 * at the head of the ring becomes the emitter: it sends results downstream in sequence until it reaches a
 * gap. The worker holding the input turn takes a new item only while fewer than {@code window} items are
 * between the input and the output (being worked on, or done and waiting for an earlier one), so a slow
 * item holds back at most {@code window - 1} others and the ring never wraps onto a live slot.
 *
 * <p>Why no lost result: a worker writes its result (volatile) and then tries to take the emitter flag;
 * an emitter clears the flag and then re-reads the head. If the worker's attempt failed because an
 * emitter held the flag, that emitter's re-read comes after the worker's write in the order of volatile
 * accesses, sees the result, and goes round again. The same pairing (the input-turn holder sets
 * {@code roomWanted} then re-reads {@code emitSeq}; the emitter advances {@code emitSeq} then reads
 * {@code roomWanted}) makes sure a worker waiting for room in the window is signalled.
 *
 * <p>Blocking: waiting for room is a receive on a one-slot sluice channel with the run's context; waiting
 * for the input turn is an interruptible lock whose holder waits only on the context; cancellation
 * interrupts every stage thread.
 */
public final class OrderedParallel extends StageBody {

    private static final Object TOKEN = new Object();

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

    /** The shared state of one running ordered stage. */
    private final class Run {
        final StageRuntime st;
        final Channel<Object> room = Channel.builder().capacity(1).build();
        final ReentrantLock inputTurn = new ReentrantLock();
        final AtomicReferenceArray<Object> ring = new AtomicReferenceArray<>(window);
        final AtomicBoolean emitting = new AtomicBoolean();
        final AtomicInteger alive = new AtomicInteger(workers);
        long nextSeq;                 // guarded by inputTurn
        volatile long emitSeq;        // written only by the thread holding the emitter flag
        volatile boolean roomWanted;  // the input-turn holder waits for the window to move
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
            Object held = null;
            try {
                while (true) {
                    if (run.stopping) {
                        throw run.stoppedException();
                    }
                    Object x;
                    long seq;
                    inputTurn.lockInterruptibly();
                    try {
                        awaitRoom(run);
                        x = st.in.receive(m, run);
                        if (x == Link.END) {
                            return;
                        }
                        seq = nextSeq++;
                    } finally {
                        inputTurn.unlock();
                    }
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

        /** Waits, holding the input turn, until fewer than {@code window} items are inside the stage. */
        private void awaitRoom(PipelineRun run) throws InterruptedException {
            while (nextSeq - emitSeq >= window) {
                roomWanted = true;
                if (nextSeq - emitSeq < window) {
                    break;
                }
                room.receive(run.ctx); // a stale signal only costs one more check
            }
            roomWanted = false;
        }

        /** Emits results from the head of the ring while they are there, if no other worker is doing so. */
        private void emitReady(StageRuntime.Emit emit) throws InterruptedException {
            while (emitting.compareAndSet(false, true)) {
                try {
                    Object r;
                    while ((r = ring.get(slot(emitSeq))) != null) {
                        ring.set(slot(emitSeq), null);
                        emitSeq = emitSeq + 1;
                        if (roomWanted) {
                            roomWanted = false;
                            room.trySend(TOKEN); // a one-slot signal: if one is pending already, that will do
                        }
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
