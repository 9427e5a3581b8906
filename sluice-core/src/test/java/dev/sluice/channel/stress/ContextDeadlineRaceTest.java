package dev.sluice.channel.stress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import dev.sluice.channel.Channel;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A send or receive with a {@link Context} whose deadline passes while the call is under way must end
 * with {@link DeadlineExceededException}: {@code send(item, context)} returns nothing, so returning
 * normally means "delivered", and {@code receive(context)} has no "nothing" value. Each test makes many
 * calls with deadlines of a few microseconds on a channel where the call can never complete (full for the
 * send, empty for the receive), so the deadline always passes at some point during the call, at varying
 * points.
 */
class ContextDeadlineRaceTest {

    private static final int ATTEMPTS = 20_000;

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void sendWithAContextWhoseDeadlinePassesThrowsAndNeverReturnsAsIfDelivered() throws InterruptedException {
        Channel<Integer> ch = Channel.bounded(1);
        assertThat(ch.trySend(0)).isTrue(); // full from now on: no send can complete
        int returnedNormally = 0;
        int threw = 0;
        for (int i = 0; i < ATTEMPTS; i++) {
            Context ctx = Context.background().withTimeout(Duration.ofNanos(ThreadLocalRandom.current().nextInt(1, 20_000)));
            try {
                ch.send(i + 1, ctx);
                returnedNormally++;
            } catch (DeadlineExceededException expected) {
                threw++;
            }
        }
        assertThat(returnedNormally)
                .as("sends into a full channel that returned normally (= reported delivered); %d threw", threw)
                .isZero();
        assertThat(ch.tryReceive()).isZero();
        assertThat(ch.tryReceive()).as("nothing but the first item was ever delivered").isNull();
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void receiveWithAContextWhoseDeadlinePassesThrowsAndNeverReturnsNull() throws InterruptedException {
        Channel<Integer> ch = Channel.bounded(1);
        int returnedNull = 0;
        int threw = 0;
        for (int i = 0; i < ATTEMPTS; i++) {
            Context ctx = Context.background().withTimeout(Duration.ofNanos(ThreadLocalRandom.current().nextInt(1, 20_000)));
            try {
                Integer x = ch.receive(ctx);
                assertThat(x).as("an item out of a channel nobody sends to").isNull();
                returnedNull++;
            } catch (DeadlineExceededException expected) {
                threw++;
            }
        }
        assertThat(returnedNull).as("receives that returned null; %d threw", threw).isZero();
    }
}
