package dev.sluice.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class LimitTest {

    private static final long MS = 1_000_000L;

    // ------------------------------------------------------------------ fixed

    @Test
    void fixedLimitNeverChangesAndRejectsLessThanOne() {
        FixedLimit limit = FixedLimit.of(7);
        limit.onSample(0, 5 * MS, 7, true);
        limit.onSample(0, 5 * MS, 7, false);
        assertThat(limit.currentLimit()).isEqualTo(7);
        assertThatThrownBy(() -> FixedLimit.of(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limit.onSample(0, -1, 1, false)).isInstanceOf(IllegalArgumentException.class);
        assertThat(limit.onChange(v -> { })).isSameAs(Context.Registration.NONE);
    }

    // ------------------------------------------------------------------ AIMD

    @Test
    void aimdGrowsByAboutOnePerRoundWhileTheLimitIsInUse() {
        AimdLimit limit = AimdLimit.builder().initialLimit(10).maxLimit(100).build();
        long t = 0;
        for (int i = 0; i < 10; i++) { // one round: 10 successes at full use
            limit.onSample(t, MS, 10, false);
            t += MS;
        }
        assertThat(limit.currentLimit()).isEqualTo(10); // 10 * 1/10.x just below 11
        limit.onSample(t, MS, 10, false);
        limit.onSample(t, MS, 10, false);
        assertThat(limit.currentLimit()).isEqualTo(11);
    }

    @Test
    void aimdDoesNotGrowWhenLessThanHalfTheLimitIsInUse() {
        AimdLimit limit = AimdLimit.builder().initialLimit(20).build();
        for (int i = 0; i < 1_000; i++) {
            limit.onSample(i * MS, MS, 9, false);
        }
        assertThat(limit.currentLimit()).isEqualTo(20);
    }

    @Test
    void aimdDecreasesMultiplicativelyOnADrop() {
        AimdLimit limit = AimdLimit.builder().initialLimit(100).backoffRatio(0.5).build();
        limit.onSample(0, MS, 100, true);
        assertThat(limit.currentLimit()).isEqualTo(50);
    }

    @Test
    void aimdDecreasesOncePerRoundNotOncePerDroppedRequest() {
        AimdLimit limit = AimdLimit.builder().initialLimit(100).backoffRatio(0.5).build();
        // 50 requests all admitted at t=0..49us, all time out at once: one overload, one decrease.
        for (int i = 0; i < 50; i++) {
            limit.onSample(i * 1_000L, 100 * MS, 100, true);
        }
        assertThat(limit.currentLimit()).isEqualTo(50);
        // A request admitted after that decrease and dropped again is new evidence.
        limit.onSample(101 * MS, 10 * MS, 50, true);
        assertThat(limit.currentLimit()).isEqualTo(25);
    }

    @Test
    void aimdTreatsLatencyAboveTheTargetAsCongestion() {
        AimdLimit limit = AimdLimit.builder().initialLimit(40).backoffRatio(0.75).latencyTarget(Duration.ofMillis(20)).build();
        limit.onSample(0, 19 * MS, 40, false);
        assertThat(limit.currentLimit()).isEqualTo(40);
        limit.onSample(MS, 21 * MS, 40, false);
        assertThat(limit.currentLimit()).isEqualTo(30);
    }

    @Test
    void aimdNeverFallsBelowItsFloorAndRecoversFromIt() {
        AimdLimit limit = AimdLimit.builder().initialLimit(50).minLimit(1).maxLimit(60).build();
        long t = 0;
        for (int i = 0; i < 500; i++) {
            limit.onSample(t, MS, 1, true);
            t += 2 * MS; // each sample starts after the previous decrease
            assertThat(limit.currentLimit()).isGreaterThanOrEqualTo(1);
        }
        assertThat(limit.currentLimit()).isEqualTo(1);
        for (int i = 0; i < 100; i++) {
            limit.onSample(t, MS, limit.currentLimit(), false);
            t += MS;
        }
        assertThat(limit.currentLimit()).as("grew back from the floor").isGreaterThan(5);
    }

    @Test
    void aimdRespectsAHigherFloorAndTheCeiling() {
        AimdLimit limit = AimdLimit.builder().initialLimit(8).minLimit(5).maxLimit(12).build();
        long t = 0;
        for (int i = 0; i < 100; i++) {
            limit.onSample(t, MS, 100, true);
            t += 2 * MS;
        }
        assertThat(limit.currentLimit()).isEqualTo(5);
        for (int i = 0; i < 10_000; i++) {
            limit.onSample(t, MS, 100, false);
        }
        assertThat(limit.currentLimit()).isEqualTo(12);
    }

    @Test
    void aimdRejectsMalformedSamplesAndBuilderValues() {
        AimdLimit limit = AimdLimit.builder().build();
        assertThatThrownBy(() -> limit.onSample(0, -1, 1, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limit.onSample(0, 1, -1, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AimdLimit.builder().minLimit(0).initialLimit(1).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AimdLimit.builder().minLimit(10).maxLimit(5).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AimdLimit.builder().initialLimit(2000).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AimdLimit.builder().backoffRatio(1.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AimdLimit.builder().backoffRatio(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AimdLimit.builder().latencyTarget(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThat(limit.currentLimit()).isEqualTo(20);
    }

    @Test
    void listenersHearEachIntegerChangeUntilTheirRegistrationIsClosed() {
        AimdLimit limit = AimdLimit.builder().initialLimit(10).backoffRatio(0.5).build();
        List<Integer> heard = new ArrayList<>();
        Context.Registration reg = limit.onChange(heard::add);
        limit.onSample(0, MS, 10, true);
        limit.onSample(2 * MS, MS, 10, true);
        reg.close();
        limit.onSample(4 * MS, MS, 10, true);
        assertThat(heard).containsExactly(5, 2);
        assertThat(limit.currentLimit()).isEqualTo(1);
    }

    @Test
    void aFailingListenerDoesNotReachTheReporterAndOthersStillHear() {
        AimdLimit limit = AimdLimit.builder().initialLimit(10).backoffRatio(0.5).build();
        AtomicReference<Throwable> reported = new AtomicReference<>();
        List<Integer> heard = new ArrayList<>();
        limit.onChange(v -> {
            throw new IllegalStateException("listener bug");
        });
        limit.onChange(heard::add);
        Thread me = Thread.currentThread();
        Thread.UncaughtExceptionHandler before = me.getUncaughtExceptionHandler();
        me.setUncaughtExceptionHandler((t, e) -> reported.set(e));
        try {
            limit.onSample(0, MS, 10, true);
        } finally {
            me.setUncaughtExceptionHandler(before);
        }
        assertThat(heard).containsExactly(5);
        assertThat(reported.get()).hasMessage("listener bug");
    }

    // ------------------------------------------------------------------ gradient

    /** Feeds {@code windows} windows of {@code perWindow} samples with latency {@code rtt}; returns the end time. */
    private static long feed(GradientLimit limit, long t, int windows, int perWindow, long rtt, int inflight, boolean dropped) {
        for (int w = 0; w < windows; w++) {
            for (int i = 0; i < perWindow; i++) {
                limit.onSample(t, rtt, inflight, dropped);
                t += rtt / perWindow + 1;
            }
        }
        return t;
    }

    @Test
    void gradientGrowsWhileLatencyStaysAtTheBaselineAndTheLimitIsInUse() {
        GradientLimit limit = GradientLimit.builder().initialLimit(20).maxLimit(500).build();
        feed(limit, 0, 50, 20, 10 * MS, 1_000, false);
        assertThat(limit.currentLimit()).isGreaterThan(60);
    }

    @Test
    void gradientDoesNotGrowWhenTheLimitIsNotInUse() {
        GradientLimit limit = GradientLimit.builder().initialLimit(20).build();
        feed(limit, 0, 50, 20, 10 * MS, 3, false);
        assertThat(limit.currentLimit()).isEqualTo(20);
    }

    @Test
    void gradientShrinksWhileLatencyStaysAboveTheTolerance() {
        GradientLimit limit = GradientLimit.builder().initialLimit(100).tolerance(1.5).build();
        long t = feed(limit, 0, 5, 20, 10 * MS, 0, false); // baseline 10 ms, no growth (not in use)
        assertThat(limit.currentLimit()).isEqualTo(100);
        feed(limit, t, 60, 20, 30 * MS, 100, false); // 3x the baseline: scale toward half
        assertThat(limit.currentLimit()).isBetween(1, 10);
    }

    @Test
    void gradientShrinksOnDropsButNeverBelowItsFloorAndNeverAboveItsCeiling() {
        GradientLimit limit = GradientLimit.builder().initialLimit(50).minLimit(4).maxLimit(64).build();
        long t = feed(limit, 0, 200, 10, 10 * MS, 64, true);
        assertThat(limit.currentLimit()).isEqualTo(4);
        feed(limit, t, 500, 10, 10 * MS, 64, false);
        assertThat(limit.currentLimit()).isEqualTo(64);
    }

    @Test
    void gradientRejectsMalformedSamplesAndBuilderValues() {
        GradientLimit limit = GradientLimit.builder().build();
        assertThatThrownBy(() -> limit.onSample(0, -5, 1, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limit.onSample(0, 5, -1, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GradientLimit.builder().tolerance(0.9)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GradientLimit.builder().smoothing(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GradientLimit.builder().minWindowSamples(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GradientLimit.builder().baselineWindow(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GradientLimit.builder().minLimit(0).initialLimit(1).build()).isInstanceOf(IllegalArgumentException.class);
        assertThat(limit.currentLimit()).isEqualTo(20);
    }

    @Test
    void limitsStayWithinBoundsUnderConcurrentSamples() throws Throwable {
        AimdLimit aimd = AimdLimit.builder().initialLimit(50).minLimit(2).maxLimit(80).build();
        GradientLimit gradient = GradientLimit.builder().initialLimit(50).minLimit(2).maxLimit(80).build();
        List<Threads.Running<Void>> threads = new ArrayList<>();
        int n = 50_000 * Threads.stressScale();
        for (int t = 0; t < 4; t++) {
            int id = t;
            threads.add(Threads.start(() -> {
                for (int i = 0; i < n; i++) {
                    boolean drop = (i + id) % 37 == 0;
                    long rtt = ((i * 7 + id) % 20 + 1) * MS;
                    aimd.onSample(i * MS, rtt, 80, drop);
                    gradient.onSample(i * MS, rtt, 80, drop);
                    int a = aimd.currentLimit();
                    int g = gradient.currentLimit();
                    if (a < 2 || a > 80 || g < 2 || g > 80) {
                        throw new AssertionError("out of bounds: aimd=" + a + " gradient=" + g);
                    }
                }
                return null;
            }));
        }
        for (Threads.Running<Void> r : threads) {
            r.join();
        }
        assertThat(aimd.currentLimit()).isBetween(2, 80);
        assertThat(gradient.currentLimit()).isBetween(2, 80);
    }
}
