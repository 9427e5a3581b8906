package dev.sluice.pipeline.internal;

import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/** The one-in-one-out stages: map, filter, flatMap, limit, and the unordered parallel map. */
public final class Transforms {

    private Transforms() { }

    public static StageBody map(Function<Object, Object> f) {
        Objects.requireNonNull(f, "function");
        return new Serial("map", 1, () -> (x, out) -> out.emit(f.apply(x)));
    }

    public static StageBody filter(Predicate<Object> p) {
        Objects.requireNonNull(p, "predicate");
        return new Serial("filter", 1, () -> (x, out) -> !p.test(x) || out.emit(x));
    }

    public static StageBody flatMap(Function<Object, ? extends Iterable<?>> f) {
        Objects.requireNonNull(f, "function");
        return new Serial("flatMap", 1, () -> (x, out) -> {
            Iterable<?> ys = Objects.requireNonNull(f.apply(x), "flatMap function returned null");
            for (Object y : ys) {
                if (!out.emit(y)) {
                    return false;
                }
            }
            return true;
        });
    }

    public static StageBody limit(long n) {
        if (n <= 0) {
            throw new IllegalArgumentException("limit must be >= 1, got " + n);
        }
        return new Serial("limit", 1, () -> new StageRuntime.Op() {
            private long passed;

            @Override
            public boolean accept(Object x, StageRuntime.Emit out) throws InterruptedException {
                // Stop as soon as the n-th item is out, without waiting for one more input item.
                return out.emit(x) && ++passed < n;
            }
        });
    }

    /** n workers competing for the input link, each emitting as soon as it is done. */
    public static StageBody parallelUnordered(int n, Function<Object, Object> f) {
        Objects.requireNonNull(f, "function");
        return new Serial("mapParallel", n, () -> (x, out) -> out.emit(f.apply(x)));
    }

    private static final class Serial extends StageBody {
        private final String kind;
        private final int threads;
        private final java.util.function.Supplier<StageRuntime.Op> ops;

        Serial(String kind, int threads, java.util.function.Supplier<StageRuntime.Op> ops) {
            this.kind = kind;
            this.threads = threads;
            this.ops = ops;
        }

        @Override
        String kind() {
            return kind;
        }

        @Override
        int writers() {
            return threads;
        }

        @Override
        int readers() {
            return threads;
        }

        @Override
        void launch(StageRuntime st) {
            for (int i = 0; i < threads; i++) {
                Meter m = st.meter(true);
                StageRuntime.Op op = ops.get();
                st.spawn(threads == 1 ? "worker" : "worker-" + i, () -> st.runSerial(st.in, st.out, m, op));
            }
        }
    }
}
