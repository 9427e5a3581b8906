package dev.sluice.pipeline.internal;

import dev.sluice.channel.ChannelClosedException;
import dev.sluice.channel.ReceivePort;
import dev.sluice.channel.SendPort;
import dev.sluice.pipeline.PortConsumer;
import dev.sluice.pipeline.Sink;
import java.util.List;
import java.util.Objects;

/** The ends of a pipeline: per-item sinks (one, or several competing: fan-out), a channel, a port consumer. */
public final class Sinks {

    private Sinks() { }

    /** One thread per sink, all reading the same link: each item goes to exactly one of them. */
    public static StageBody each(List<? extends Sink<Object>> sinks) {
        Objects.requireNonNull(sinks, "sinks");
        if (sinks.isEmpty()) {
            throw new IllegalArgumentException("fanOut needs at least one consumer");
        }
        for (Sink<Object> s : sinks) {
            Objects.requireNonNull(s, "a sink in the list is null");
        }
        List<Sink<Object>> all = List.copyOf(sinks);
        return new SinkBody(all.size() == 1 ? "sink" : "fanOut", all.size()) {
            @Override
            void launch(StageRuntime st) {
                for (int i = 0; i < all.size(); i++) {
                    Sink<Object> sink = all.get(i);
                    Meter m = st.meter(true);
                    st.spawn(all.size() == 1 ? "sink" : "consumer-" + i, () -> {
                        Object x = null;
                        try {
                            while (true) {
                                if (st.run.stopping) {
                                    throw st.run.stoppedException();
                                }
                                x = st.in.receive(m, st.run);
                                if (x == Link.END) {
                                    x = null;
                                    return;
                                }
                                m.countIn();
                                sink.accept(x);
                                x = null;
                                m.countOut();
                            }
                        } catch (Throwable t) {
                            st.hold(x);
                            throw t;
                        }
                    });
                }
            }
        };
    }

    /** Sends every item into {@code port}; closes it when the input ends, fails it when the run fails. */
    public static StageBody port(SendPort<Object> port) {
        Objects.requireNonNull(port, "port");
        return new SinkBody("sink", 1) {
            @Override
            Object writesPort() {
                return port;
            }

            @Override
            void launch(StageRuntime st) {
                Meter m = st.meter(true);
                st.spawn("sink", () -> {
                    Object x = null;
                    Throwable failure = null;
                    try {
                        while (true) {
                            if (st.run.stopping) {
                                throw st.run.stoppedException();
                            }
                            x = st.in.receive(m, st.run);
                            if (x == Link.END) {
                                x = null;
                                return;
                            }
                            m.countIn();
                            try {
                                port.send(x, st.run.ctx);
                            } catch (ChannelClosedException closedByOwner) {
                                // the channel's owner closed it: it wants no more, which is an early stop
                                st.discarded.incrementAndGet();
                                x = null;
                                st.stopEarly(st.in);
                                return;
                            }
                            x = null;
                            m.countOut();
                        }
                    } catch (Throwable t) {
                        failure = t;
                        st.hold(x);
                        throw t;
                    } finally {
                        if (failure == null) {
                            port.close();
                        } else {
                            port.fail(failure);
                        }
                    }
                });
            }
        };
    }

    /** Hands the input link to {@code consumer}; when it returns, the link is closed from the reading side. */
    @SuppressWarnings("unchecked")
    public static StageBody consumer(PortConsumer<Object> consumer) {
        Objects.requireNonNull(consumer, "consumer");
        return new SinkBody("consume", 1) {
            @Override
            boolean countsFromLink() {
                return true;
            }

            @Override
            void launch(StageRuntime st) {
                st.meter(true);
                st.spawn("consumer", () -> {
                    consumer.consume((ReceivePort<Object>) (ReceivePort<?>) st.in.channel, st.run.ctx);
                    // Returned: whatever it did not read is unwanted; stop the writers (not on failure,
                    // where the leftovers are reported instead).
                    st.stopEarly(st.in);
                });
            }
        };
    }

    private abstract static class SinkBody extends StageBody {
        private final String kind;
        private final int readers;

        SinkBody(String kind, int readers) {
            this.kind = kind;
            this.readers = readers;
        }

        @Override
        String kind() {
            return kind;
        }

        @Override
        int writers() {
            return 0;
        }

        @Override
        int readers() {
            return readers;
        }

        @Override
        boolean isSink() {
            return true;
        }
    }
}
