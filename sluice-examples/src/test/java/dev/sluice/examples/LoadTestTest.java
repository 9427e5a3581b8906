package dev.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LoadTestTest {

    @Test
    void pastCapacityTheServerAnswers503RatherThanTimingOut() throws Exception {
        // 2 workers of 20 ms jobs finish at most 100/s; 400/s is four times that.
        ExampleRun r = ExampleRun.of("load-test", "--rate", "400", "--seconds", "3", "--machine");
        assertThat(r.exitCode).as(r.err).isZero();
        assertThat(r.number("sent")).isGreaterThan(1_000);
        assertThat(r.number("accepted")).as("the server kept working").isPositive();
        assertThat(r.number("unavailable")).as("the excess got 503").isPositive();
        assertThat(r.number("timeouts")).as("nobody waited for the 2 s client timeout").isZero();
        assertThat(r.number("connectionErrors")).as(r.values.get("connectionErrorKinds")).isZero();
        // Every 503 arrived before the client would have given up.
        assertThat(r.decimal("rejectedP99Millis")).isLessThan(2_000);
    }

    @Test
    void badFlagsGiveAUsageError() throws Exception {
        ExampleRun r = ExampleRun.of("load-test", "--rate", "0");
        assertThat(r.exitCode).isEqualTo(2);
        assertThat(r.err).contains("--rate must be a positive number");
    }
}
