package dev.sluice.pipeline.internal;

import dev.sluice.DeadlineExceededException;
import dev.sluice.channel.ChannelClosedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code batch(size, maxWait)}: collects items into a fresh {@code ArrayList} and emits it when it holds
 * {@code size} items, or when {@code maxWait} has passed since its first item and no further item is
 * immediately available, or when the input ends. Each list is new: once emitted it belongs to the
 * receiver, and the batcher never touches it again.
 */
public final class Batcher extends StageBody {

    private static final Object TIMED_OUT = new Object();

    private final int size;
    private final long maxWaitNanos;

    public Batcher(int size, Duration maxWait) {
        if (size <= 0) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + size);
        }
        java.util.Objects.requireNonNull(maxWait, "maxWait");
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must not be negative, got " + maxWait);
        }
        this.size = size;
        long nanos;
        try {
            nanos = maxWait.toNanos();
        } catch (ArithmeticException tooLong) {
            nanos = Long.MAX_VALUE / 4;
        }
        this.maxWaitNanos = Math.min(nanos, Long.MAX_VALUE / 4);
    }

    int size() {
        return size;
    }

    long maxWaitNanos() {
        return maxWaitNanos;
    }

    @Override
    String kind() {
        return "batch";
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
        Meter m = st.meter(true);
        st.spawn("worker", () -> loop(st, m));
    }

    private void loop(StageRuntime st, Meter m) throws Throwable {
        PipelineRun run = st.run;
        StageRuntime.Emit emit = st.new Emit(st.out, m, run.ctx);
        List<Object> batch = null;
        long deadline = 0L;
        try {
            while (true) {
                if (run.stopping) {
                    throw run.stoppedException();
                }
                Object x = batch == null ? st.in.receive(m, run) : receiveUntil(st, m, deadline);
                if (x == Link.END) {
                    if (batch != null) {
                        List<Object> b = batch;
                        batch = null;
                        emit.emit(b);
                    }
                    return;
                }
                if (x == TIMED_OUT) {
                    List<Object> b = batch;
                    batch = null;
                    if (!emit.emit(b)) {
                        st.stopEarly(st.in);
                        return;
                    }
                    continue;
                }
                m.countIn();
                if (batch == null) {
                    batch = new ArrayList<>(Math.min(size, 1024));
                    deadline = System.nanoTime() + maxWaitNanos;
                }
                batch.add(x);
                if (batch.size() == size) {
                    List<Object> b = batch;
                    batch = null;
                    if (!emit.emit(b)) {
                        st.stopEarly(st.in);
                        return;
                    }
                }
            }
        } catch (Throwable t) {
            st.hold(emit.pending);
            st.hold(batch);
            throw t;
        } finally {
            st.out.writerDone();
        }
    }

    /** The next item, {@link Link#END}, or {@link #TIMED_OUT} once the deadline passed with nothing ready. */
    private static Object receiveUntil(StageRuntime st, Meter m, long deadline) throws InterruptedException {
        try {
            Object x = st.in.channel.tryReceive();
            if (x != null) {
                return x;
            }
            if ((x = st.in.afterYield()) != null) {
                return x;
            }
            long now = System.nanoTime();
            long remaining = deadline - now;
            if (remaining <= 0) {
                return TIMED_OUT;
            }
            try {
                return st.in.channel.receive(st.run.ctx.withTimeout(Duration.ofNanos(remaining)));
            } catch (DeadlineExceededException timeout) {
                if (st.run.ctx.isDone()) {
                    throw timeout;
                }
                return TIMED_OUT;
            } finally {
                m.addBlockedIn(System.nanoTime() - now);
            }
        } catch (ChannelClosedException closed) {
            return Link.END;
        }
    }
}
