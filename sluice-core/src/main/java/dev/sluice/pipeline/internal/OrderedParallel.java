package dev.sluice.pipeline.internal;

import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * {@code mapParallel(n, ordered = true)}: a dispatcher takes items in input order and gives each a slot,
 * which it puts first into the order link (capacity: the window) and then into the work link read by
 * the n workers; the emitter takes slots from the order link in order and waits for each one's result.
 * The order link's capacity bounds the reorder window: at most {@code window} slots wait there, plus the
 * one the emitter is waiting on, so at most {@code window + 1} items are between the input and the output
 * (being worked on, or done and waiting for an earlier one) and a slow item holds back at most that many.
 *
 * <p>A worker publishes a result with a volatile write and then reads the slot's waiter; the emitter
 * writes itself as the waiter and then re-reads the result before parking. Both pairs are volatile, so
 * one of them always sees the other: no lost wake-up. Cancellation interrupts the emitter's park.
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
        this.workers = workers;
        this.window = window;
        this.f = Objects.requireNonNull(f, "function");
    }

    static final class Slot {
        final Object input;
        volatile Object result;
        volatile Thread waiter;

        Slot(Object input) {
            this.input = input;
        }

        void complete(Object r) {
            result = r;
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }

        Object await(PipelineRun run) throws InterruptedException {
            Object r = result;
            if (r != null) {
                return r;
            }
            waiter = Thread.currentThread();
            while ((r = result) == null) {
                if (run.stopping) {
                    throw run.stoppedException();
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                LockSupport.park(this);
            }
            return r;
        }

        Object reported() {
            Object r = result;
            return r != null ? r : input;
        }
    }

    @Override
    String kind() {
        return "mapParallel";
    }

    @Override
    int writers() {
        return 1;
    }

    @Override
    int readers() {
        return 1;
    }

    @Override
    void launch(StageRuntime st) {
        Link order = st.internalLink("order", window, 1, 1);
        order.reportAs = x -> ((Slot) x).reported();
        Link work = st.internalLink("work", workers, 1, workers);
        work.reportAs = null; // every slot in it is also in the order link
        PipelineRun run = st.run;

        Meter dm = st.meter(true);
        st.spawn("dispatcher", () -> {
            Slot pending = null;
            try {
                while (true) {
                    if (run.stopping) {
                        throw run.stoppedException();
                    }
                    Object x = st.in.receive(dm, run);
                    if (x == Link.END) {
                        return;
                    }
                    dm.countIn();
                    pending = new Slot(x);
                    if (!order.send(pending, run.ctx)) {
                        pending = null;
                        st.discarded.incrementAndGet();
                        st.stopEarly(st.in);
                        return;
                    }
                    Slot s = pending;
                    pending = null;
                    work.send(s, run.ctx);
                }
            } catch (Throwable t) {
                st.hold(pending == null ? null : pending.input);
                throw t;
            } finally {
                order.writerDone();
                work.writerDone();
            }
        });

        for (int i = 0; i < workers; i++) {
            Meter wm = st.meter(false);
            st.spawn("worker-" + i, () -> {
                while (true) {
                    if (run.stopping) {
                        throw run.stoppedException();
                    }
                    Object o = work.receive(wm, run);
                    if (o == Link.END) {
                        return;
                    }
                    Slot s = (Slot) o;
                    Object r = f.apply(s.input);
                    if (r == null) {
                        throw new NullPointerException("stage '" + st.name + "' produced null; pipeline items are never null");
                    }
                    s.complete(r);
                }
            });
        }

        Meter em = st.meter(false);
        st.spawn("emitter", () -> {
            StageRuntime.Emit emit = st.new Emit(st.out, em, run.ctx);
            Slot current = null;
            try {
                while (true) {
                    if (run.stopping) {
                        throw run.stoppedException();
                    }
                    Object o = order.receive(em, run);
                    if (o == Link.END) {
                        return;
                    }
                    current = (Slot) o;
                    Object r = current.await(run);
                    if (!emit.emit(r)) {
                        current = null;
                        st.stopEarly(order);
                        return;
                    }
                    current = null;
                }
            } catch (Throwable t) {
                st.hold(emit.pending != null ? emit.pending : current == null ? null : current.reported());
                throw t;
            } finally {
                st.out.writerDone();
            }
        });
    }
}
