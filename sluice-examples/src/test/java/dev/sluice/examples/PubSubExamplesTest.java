package dev.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The chat-broadcaster and latest-price examples, held to what they print. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PubSubExamplesTest {

    @Test
    void fastChatClientsGetEveryMessageInOrderAndTheStuckOneIsDisconnectedWithAReason() throws Exception {
        ExampleRun r = ExampleRun.of("chat-broadcaster", "--messages", "1500", "--outbox", "1024", "--machine");
        assertThat(r.exitCode).as(r.err).isZero();
        long published = r.number("published");
        assertThat(published).isEqualTo(3_000);
        for (String fast : new String[] {"ann", "bob", "cy"}) {
            assertThat(r.number(fast + ".received")).as(fast).isEqualTo(published);
            assertThat(r.flag(fast + ".inOrder")).as(fast).isTrue();
            assertThat(r.number(fast + ".dropped")).as(fast).isZero();
        }
        assertThat(r.values.get("stuck-phone.state")).isEqualTo("DISCONNECTED");
        assertThat(r.values.get("stuck-phone.endedBy")).containsIgnoringCase("stuck-phone");
        // It held at most its outbox, never the whole conversation.
        assertThat(r.number("stuck-phone.received")).isLessThanOrEqualTo(r.number("outbox"));
    }

    @Test
    void theSlowScreenAlwaysDrawsTheNewestPriceAndEndsOnTheLastOne() throws Exception {
        ExampleRun r = ExampleRun.of("latest-price", "--seconds", "1", "--frame", "20ms", "--machine");
        assertThat(r.exitCode).as(r.err).isZero();
        assertThat(r.number("ticks")).as("the ticker is much faster than the screen").isGreaterThan(10 * r.number("frames"));
        assertThat(r.number("frames")).isGreaterThan(5);
        assertThat(r.number("stalerThanTicker")).isZero();
        assertThat(r.number("wentBackwards")).isZero();
        assertThat(r.number("lastDrawnTick")).isEqualTo(r.number("lastTick"));
        assertThat(r.number("maxSkipped")).isPositive();
    }
}
