package dev.sluice.pipeline.internal;

import dev.sluice.Context;
import dev.sluice.ContextDoneException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One stage of a running pipeline: its links, the meters of its threads, and the items it held when it
 * stopped. The loops every stage shares live here: {@link #runSerial} (receive, apply, emit) and the
 * {@link Emit} that sends downstream.
 */
final class StageRuntime {

    /** Per-item work of a serial stage: returns false to stop taking input (an early stop). */
    @FunctionalInterface
    interface Op {
        boolean accept(Object item, Emit out) throws Exception;

        /** Called once when the input has ended (not on failure or early stop). */
        default void finish(Emit out) throws Exception { }
    }

    /** Code run on a stage thread. */
    @FunctionalInterface
    interface Body {
        void run() throws Throwable;
    }

    final Node node;
    final String name;
    final PipelineRun run;
    Link in;
    Link out;
    final List<Meter> meters = new ArrayList<>();
    final List<Link> internalLinks = new ArrayList<>();
    final AtomicLong discarded = new AtomicLong();
    private final ReentrantLock heldLock = new ReentrantLock();
    private final List<Object> held = new ArrayList<>();

    StageRuntime(Node node, String name, PipelineRun run) {
        this.node = node;
        this.name = name;
        this.run = run;
    }

    Meter meter(boolean reader) {
        Meter m = new Meter(reader);
        meters.add(m);
        return m;
    }

    /** Creates (does not start) a thread of this stage running {@code body}; failures go to the run. */
    void spawn(String role, Body body) {
        run.newThread(this, role, () -> {
            try {
                body.run();
            } catch (Throwable t) {
                run.stageFailed(this, t);
            }
        });
    }

    Link internalLink(String suffix, int capacity, int writers, int readers) {
        Link l = new Link(name + "/" + suffix, capacity, dev.sluice.channel.Overflow.BLOCK, writers, readers);
        internalLinks.add(l);
        return l;
    }

    /** Records an item this stage had taken in and not passed on when it stopped. */
    void hold(Object item) {
        if (item == null) {
            return;
        }
        heldLock.lock();
        try {
            held.add(item);
        } finally {
            heldLock.unlock();
        }
    }

    List<Object> held() {
        heldLock.lock();
        try {
            return List.copyOf(held);
        } finally {
            heldLock.unlock();
        }
    }

    /** True if {@code t} is a source's wait ended by {@code drain}, not by a failure or cancellation. */
    boolean endedByDrain(Throwable t) {
        return t instanceof ContextDoneException && run.sourceCtx.isDone() && !run.ctx.isDone();
    }

    /** The reader of {@code link} stops early: close it so its writers stop, count what it throws away. */
    void stopEarly(Link link) {
        discarded.addAndGet(link.closeFromReader());
    }

    /**
     * The loop of a one-in-one-out stage thread: receive from {@code input} until it ends, the run stops,
     * or {@code op} asks to stop; always marks this thread's share of the output done.
     */
    void runSerial(Link input, Link output, Meter m, Op op) throws Throwable {
        Emit emit = new Emit(output, m, run.ctx);
        Object x = null;
        try {
            while (true) {
                if (run.stopping) {
                    throw run.stoppedException();
                }
                x = input.receive(m, run);
                if (x == Link.END) {
                    x = null;
                    op.finish(emit);
                    return;
                }
                m.countIn();
                if (!op.accept(x, emit)) {
                    x = null;
                    stopEarly(input);
                    return;
                }
                x = null;
            }
        } catch (Throwable t) {
            hold(emit.pending != null ? emit.pending : x);
            throw t;
        } finally {
            output.writerDone();
        }
    }

    /** Sends a stage's results to its output link, counting them, and remembering the one in flight. */
    final class Emit {
        final Link output;
        final Meter meter;
        final Context ctx;
        Object pending;

        Emit(Link output, Meter meter, Context ctx) {
            this.output = output;
            this.meter = meter;
            this.ctx = ctx;
        }

        /** Sends {@code y}; false if the downstream stage stopped early (then {@code y} is discarded). */
        boolean emit(Object y) throws InterruptedException {
            Objects.requireNonNull(y, () -> "stage '" + name + "' produced null; pipeline items are never null");
            pending = y;
            boolean sent = output.send(y, ctx);
            pending = null;
            if (sent) {
                meter.countOut();
            } else {
                discarded.incrementAndGet();
            }
            return sent;
        }
    }
}
