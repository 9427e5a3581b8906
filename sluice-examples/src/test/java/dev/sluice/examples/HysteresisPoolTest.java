package dev.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HysteresisPoolTest {

    @Test
    void hysteresisFlipsOnceWhileANarrowBandFlapsEveryRound() throws Exception {
        ExampleRun r = ExampleRun.of("hysteresis-pool", "--rounds", "10", "--machine");
        assertThat(r.exitCode).as(r.err).isZero();
        assertThat(r.number("wide.transitions")).as("enter shedding once, stay there").isEqualTo(1);
        assertThat(r.number("narrow.transitions")).as("flaps round after round").isGreaterThanOrEqualTo(2 * 10 - 1);
        // Intake resumes only below the low mark (at depth low - 1), not just under the high one.
        assertThat(r.number("wide.resumedAtDepth")).isEqualTo(r.number("low") - 1);
        // The narrow band takes work again as soon as the first job leaves, a round's worth under the mark.
        assertThat(r.number("narrow.resumedAtDepth")).isGreaterThanOrEqualTo(r.number("high") - 5);
        assertThat(r.number("wide.refused")).isPositive();
    }

    @Test
    void badFlagsGiveAUsageError() throws Exception {
        ExampleRun r = ExampleRun.of("hysteresis-pool", "--capacity", "5");
        assertThat(r.exitCode).isEqualTo(2);
        assertThat(r.err).contains("--capacity must be at least 10");
    }
}
