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
        return new SourceBody("source") {
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
        };
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
