package dev.sluice.limit.lincheck;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.limit.ConcurrencyLimiter;
import dev.sluice.limit.Permit;
import org.jetbrains.lincheck.LincheckAssertionError;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Linearizability of the limiter's non-blocking operations, checked by Lincheck against a sequential
 * model (a counter, a limit and two released flags), in model-checking and stress modes.
 *
 * <p>The limiter has a fixed limit of 3 and starts with two permits held, {@code p0} and {@code p1}, so
 * that scenarios begin near the limit. Operations: {@code tryAcquire} of weight 1 and 2 (a permit taken
 * is kept: it fills the limiter up), the releases of {@code p0} and {@code p1} in all three forms (any number of times, from any thread: only
 * the first may give capacity back), {@code isReleased} and {@code inflight}. Two threads releasing
 * {@code p0} at the same moment is the race the permit's idempotent release exists for; a permit that
 * gave its units back twice would show up as an {@code inflight} or a {@code tryAcquire} result that
 * the model cannot produce. (An acquire-then-close operation is not among them: it is two linearizable
 * steps, and another thread may observe the permit held in between, which no atomic model allows.)
 *
 * <p>This check found that a losing release used to return before the winning one had given the units
 * back (a second {@code close()} returned, then {@code inflight()} still counted the permit); the
 * permit's release now has a RELEASING state that losers wait out.
 */
class ConcurrencyLimiterLincheckTest {

    private static final int LIMIT = 3;

    /** The operations, on a real limiter. */
    public static class Ops {
        private final ConcurrencyLimiter limiter = ConcurrencyLimiter.of(LIMIT);
        private final Permit p0 = limiter.tryAcquire();
        private final Permit p1 = limiter.tryAcquire();

        @Operation
        public boolean tryAcquire() {
            return limiter.tryAcquire() != null;
        }

        @Operation
        public boolean tryAcquireTwo() {
            return limiter.tryAcquire(2) != null;
        }

        @Operation
        public void closeP0() {
            p0.close();
        }

        @Operation
        public void dropP0() {
            p0.releaseDropped();
        }

        @Operation
        public void ignoreP1() {
            p1.releaseIgnored();
        }

        @Operation
        public void closeP1() {
            p1.close();
        }

        @Operation
        public boolean isP0Released() {
            return p0.isReleased();
        }

        @Operation
        public int inflight() {
            return limiter.inflight();
        }
    }

    /** The sequential specification. */
    public static class Model {
        private int inflight = 2;
        private boolean p0Released;
        private boolean p1Released;

        private boolean take(int w) {
            if (inflight != 0 && inflight + w > LIMIT) {
                return false;
            }
            inflight += w;
            return true;
        }

        public boolean tryAcquire() {
            return take(1);
        }

        public boolean tryAcquireTwo() {
            return take(2);
        }

        private void releaseP0() {
            if (!p0Released) {
                p0Released = true;
                inflight--;
            }
        }

        private void releaseP1() {
            if (!p1Released) {
                p1Released = true;
                inflight--;
            }
        }

        public void closeP0() {
            releaseP0();
        }

        public void dropP0() {
            releaseP0();
        }

        public void ignoreP1() {
            releaseP1();
        }

        public void closeP1() {
            releaseP1();
        }

        public boolean isP0Released() {
            return p0Released;
        }

        public int inflight() {
            return inflight;
        }
    }

    /** A deliberately wrong model, to show the check can fail: in it a second release gives capacity back again. */
    public static class ModelWithDoubleRelease extends Model {
        private int extra;

        @Override
        public void closeP0() {
            super.closeP0();
            extra++;
        }

        @Override
        public int inflight() {
            return super.inflight() - Math.max(0, extra - 1);
        }
    }

    private static int scaled(int base) {
        String s = System.getenv("SLUICE_STRESS_SCALE");
        double scale = s == null || s.isBlank() ? 1.0 : Double.parseDouble(s.trim());
        return (int) Math.max(1, Math.round(base * scale));
    }

    private static ModelCheckingOptions modelChecking(Class<?> model) {
        return new ModelCheckingOptions()
                .iterations(scaled(20))
                .invocationsPerIteration(100)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(1)
                .actorsAfter(2)
                .sequentialSpecification(model);
    }

    @Test
    @Timeout(300)
    void nonBlockingOperationsAreLinearizableUnderModelChecking() {
        modelChecking(Model.class).check(Ops.class);
    }

    @Test
    @Timeout(300)
    void nonBlockingOperationsAreLinearizableUnderStress() {
        new StressOptions()
                .iterations(scaled(20))
                .invocationsPerIteration(2_000)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(1)
                .actorsAfter(2)
                .sequentialSpecification(Model.class)
                .check(Ops.class);
    }

    @Test
    @Timeout(300)
    void theCheckFailsAgainstAModelWhereASecondReleaseCounts() {
        assertThatThrownBy(() -> modelChecking(ModelWithDoubleRelease.class).check(Ops.class))
                .isInstanceOf(LincheckAssertionError.class);
    }
}
