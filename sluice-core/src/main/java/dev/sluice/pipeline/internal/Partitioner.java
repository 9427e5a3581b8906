package dev.sluice.pipeline.internal;

import java.util.Objects;
import java.util.function.Function;

/**
 * {@code partitionBy(key, lanes, f)}: a dispatcher routes each item by its key's hash to one of
 * {@code lanes} lanes, each a bounded link with its own worker applying {@code f} in arrival order. A
 * slow key occupies only its lane: items of other lanes keep flowing as long as the slow lane's buffer
 * has room. Once it is full the dispatcher waits for it (backpressure, not loss), so isolation lasts for
 * {@code laneCapacity} items of the slow key.
 */
public final class Partitioner extends StageBody {

    private final Function<Object, ?> key;
    private final int lanes;
    private final int laneCapacity;
    private final Function<Object, Object> f;

    public Partitioner(Function<Object, ?> key, int lanes, int laneCapacity, Function<Object, Object> f) {
        this.key = Objects.requireNonNull(key, "keyFunction");
        if (lanes <= 0) {
            throw new IllegalArgumentException("partitionBy needs n >= 1 lanes, got " + lanes);
        }
        if (laneCapacity <= 0) {
            throw new IllegalArgumentException("lane capacity must be >= 1, got " + laneCapacity);
        }
        this.lanes = lanes;
        this.laneCapacity = laneCapacity;
        this.f = Objects.requireNonNull(f, "function");
    }

    @Override
    String kind() {
        return "partitionBy";
    }

    @Override
    int writers() {
        return lanes;
    }

    @Override
    int readers() {
        return 1;
    }

    static int laneOf(Object key, int lanes) {
        int h = Objects.hashCode(key);
        return Math.floorMod(h ^ (h >>> 16), lanes);
    }

    @Override
    void launch(StageRuntime st) {
        Link[] lane = new Link[lanes];
        for (int i = 0; i < lanes; i++) {
            lane[i] = st.internalLink("lane-" + i, laneCapacity, 1, 1);
        }
        PipelineRun run = st.run;
        Meter dm = st.meter(true);
        st.spawn("dispatcher", () -> {
            Object x = null;
            try {
                while (true) {
                    if (run.stopping) {
                        throw run.stoppedException();
                    }
                    x = st.in.receive(dm, run);
                    if (x == Link.END) {
                        x = null;
                        return;
                    }
                    dm.countIn();
                    if (!lane[laneOf(key.apply(x), lanes)].send(x, run.ctx)) {
                        x = null;
                        st.discarded.incrementAndGet();
                        st.stopEarly(st.in);
                        return;
                    }
                    x = null;
                }
            } catch (Throwable t) {
                st.hold(x);
                throw t;
            } finally {
                for (Link l : lane) {
                    l.writerDone();
                }
            }
        });
        for (int i = 0; i < lanes; i++) {
            Link in = lane[i];
            Meter lm = st.meter(false);
            st.spawn("lane-" + i, () -> st.runSerial(in, st.out, lm, (y, out) -> out.emit(f.apply(y))));
        }
    }
}
