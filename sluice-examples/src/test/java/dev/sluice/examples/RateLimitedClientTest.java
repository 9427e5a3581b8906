package dev.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RateLimitedClientTest {

    @Test
    void callsPerSecondNeverExceedTheLimitAndRetriesStayWithinTheBudget() throws Exception {
        ExampleRun r = ExampleRun.of("rate-limited-client", "--calls", "200", "--rate", "80", "--burst", "8", "--machine");
        assertThat(r.exitCode).as(r.err).isZero();
        long calls = r.number("calls");
        // Any window of one second holds at most one second of tokens plus the burst: exactly so where the
        // attempts leave the client; at the server, loopback delivery jitter can bunch a request or two more.
        long allowed = r.number("limit") + r.number("burst");
        assertThat(r.number("busiestClientSecond")).isLessThanOrEqualTo(allowed);
        assertThat(r.number("busiestSecond")).isLessThanOrEqualTo(allowed + allowed / 20);
        // Every first attempt is a budget request; retries never pass 10% of them plus the reserve.
        assertThat(r.number("budget.requests")).isEqualTo(calls);
        assertThat(r.number("budget.retries")).isLessThanOrEqualTo(r.number("budget.allowed"));
        assertThat(r.number("budget.refused")).as("one failure in three wants more than 10%").isPositive();
        // What the server saw is exactly first attempts plus granted retries: nothing unaccounted.
        assertThat(r.number("serverRequests")).isEqualTo(calls + r.number("budget.retries"));
        assertThat(r.number("succeeded") + r.number("failed")).isEqualTo(calls);
    }

    @Test
    void badFlagsGiveAUsageError() throws Exception {
        ExampleRun r = ExampleRun.of("rate-limited-client", "--rate", "x");
        assertThat(r.exitCode).isEqualTo(2);
        assertThat(r.err).contains("--rate must be a whole number");
    }
}
