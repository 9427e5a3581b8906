package dev.sluice.pipeline.internal;

import dev.sluice.Context;
import dev.sluice.channel.ChannelClosedException;
import dev.sluice.channel.ReceivePort;
import dev.sluice.pipeline.Emitter;
import dev.sluice.pipeline.Generator;
import java.util.Iterator;
import java.util.Objects;

/**
 * The three kinds of source. A source waits on the run's source context, which {@code drain} cancels
 * on its own: a source stopped that way ends quietly, closing its output so the rest drains, and the
 * one item it had taken but not sent is reported as held.
 */
public final class Sources {

    private Sources() { }

    public static StageBody iterable(Iterable<?> items) {
        Objects.requireNonNull(items, "items");
        return new IterableSource(items);
    }

    /** The plain iterable source; {@link #fuseBatch} recognises it. */
    private static final class IterableSource extends SourceBody {
        final Iterable<?> items;

        IterableSource(Iterable<?> items) {
            super("source");
            this.items = items;
        }

        @Override
        void loop(StageRuntime st, StageRuntime.Emit emit, Meter m) throws Throwable {
            Iterator<?> it = items.iterator();
            while (!st.run.draining && it.hasNext()) {
                if (st.run.stopping) {
                    throw st.run.stoppedException();
                }
                Object x = it.next();
                if (x == null) {
                    throw new NullPointerException("source '" + st.name + "' produced null; pipeline items are never null");
                }
                m.countIn();
                if (!emit.emit(x)) {
                    return;
                }
            }
        }
    }

    /**
     * {@code from(iterable).batch(size, maxWait)} as one stage: the source's thread fills the lists itself,
     * so items do not cross a link one by one. Returns null if {@code source} is not a plain iterable
     * source or its link was configured (then there is a link to keep).
     */
    public static Node fuseBatch(Node source, String name, int size, java.time.Duration maxWait) {
        if (!(source.body instanceof IterableSource src) || !source.upstreams.isEmpty()
                || source.capacity != dev.sluice.pipeline.Pipeline.DEFAULT_CAPACITY
                || source.overflow != dev.sluice.channel.Overflow.BLOCK) {
            return null;
        }
        Batcher shape = new Batcher(size, maxWait); // validates the arguments the same way
        String fusedName = name != null ? name : source.explicitName ? source.name : null;
        return Node.of(fusedName, new FusedBatchSource(src.items, shape.size(), shape.maxWaitNanos()), java.util.List.of(),
                dev.sluice.pipeline.Pipeline.DEFAULT_CAPACITY, dev.sluice.channel.Overflow.BLOCK);
    }

    /**
     * The fused iterable source and batch. An iterator cannot be waited on with a deadline, so the
     * maxWait check is made after it returns an item (see {@link DeadlineCheck}); an in-memory iterable never waits, so lists are
     * full except the last. On drain, the lists already filled, the partial one included, are sent on.
     */
    private static final class FusedBatchSource extends SourceBody {
        private final Iterable<?> items;
        private final int size;
        private final long maxWaitNanos;

        FusedBatchSource(Iterable<?> items, int size, long maxWaitNanos) {
            super("batch");
            this.items = items;
            this.size = size;
            this.maxWaitNanos = maxWaitNanos;
        }

        @Override
        void loop(StageRuntime st, StageRuntime.Emit sourceEmit, Meter m) throws Throwable {
            // Every list is already inside the pipeline: sent on the run's context, so drain (which stops
            // taking items from the iterator) lets it through instead of cutting it off.
            StageRuntime.Emit emit = st.new Emit(sourceEmit.output, m, st.run.ctx);
            Iterator<?> it = items.iterator();
            java.util.List<Object> batch = null;
            long deadline = 0L;
            DeadlineCheck clock = new DeadlineCheck(maxWaitNanos);
            try {
                while (!st.run.draining && it.hasNext()) {
                    if (st.run.stopping) {
                        throw st.run.stoppedException();
                    }
                    Object x = it.next();
                    if (x == null) {
                        throw new NullPointerException("source '" + st.name + "' produced null; pipeline items are never null");
                    }
                    m.countIn();
                    if (batch == null) {
                        batch = new java.util.ArrayList<>(Math.min(size, 1024));
                        deadline = clock.start();
                    }
                    batch.add(x);
                    if (batch.size() == size || clock.due(deadline)) {
                        java.util.List<Object> b = batch;
                        batch = null;
                        if (!emit.emit(b)) {
                            return;
                        }
                    }
                }
                if (batch != null) {
                    java.util.List<Object> b = batch;
                    batch = null;
                    emit.emit(b);
                }
            } catch (Throwable t) {
                st.hold(emit.pending);
                st.hold(batch);
                throw t;
            }
        }
    }

    public static StageBody port(ReceivePort<?> port) {
        Objects.requireNonNull(port, "port");
        return new SourceBody("source") {
            @Override
            void loop(StageRuntime st, StageRuntime.Emit emit, Meter m) throws Throwable {
                while (!st.run.draining) {
                    if (st.run.stopping) {
                        throw st.run.stoppedException();
                    }
                    Object x;
                    try {
                        x = port.receive(st.run.sourceCtx);
                    } catch (ChannelClosedException closed) {
                        if (closed.isFailure()) {
                            throw closed;
                        }
                        return;
                    }
                    m.countIn();
                    if (!emit.emit(x)) {
                        return;
                    }
                }
            }

            @Override
            Object readsPort() {
                return port;
            }
        };
    }

    public static <T> StageBody generator(Generator<T> generator) {
        Objects.requireNonNull(generator, "generator");
        return new SourceBody("generate") {
            @Override
            void loop(StageRuntime st, StageRuntime.Emit emit, Meter m) throws Throwable {
                generator.generate(new Emitter<T>() {
                    private boolean refused;

                    @Override
                    public boolean emit(T item) throws InterruptedException {
                        Objects.requireNonNull(item, "item");
                        if (st.run.stopping) {
                            throw st.run.stoppedException();
                        }
                        if (refused || st.run.draining) {
                            refused = true;
                            st.discarded.incrementAndGet();
                            return false;
                        }
                        m.countIn();
                        if (!emit.emit(item)) {
                            refused = true;
                            return false;
                        }
                        return true;
                    }

                    @Override
                    public Context context() {
                        return st.run.sourceCtx;
                    }
                });
            }
        };
    }

    private abstract static class SourceBody extends StageBody {
        private final String kind;

        SourceBody(String kind) {
            this.kind = kind;
        }

        abstract void loop(StageRuntime st, StageRuntime.Emit emit, Meter m) throws Throwable;

        @Override
        String kind() {
            return kind;
        }

        @Override
        int writers() {
            return 1;
        }

        @Override
        int readers() {
            return 0;
        }

        @Override
        boolean isSource() {
            return true;
        }

        @Override
        void launch(StageRuntime st) {
            Meter m = st.meter(true); // counts items taken from the source
            st.spawn("source", () -> {
                StageRuntime.Emit emit = st.new Emit(st.out, m, st.run.sourceCtx);
                try {
                    loop(st, emit, m);
                } catch (Throwable t) {
                    st.hold(emit.pending);
                    if (!st.endedByDrain(t)) {
                        throw t;
                    }
                } finally {
                    st.out.writerDone();
                }
            });
        }
    }
}
