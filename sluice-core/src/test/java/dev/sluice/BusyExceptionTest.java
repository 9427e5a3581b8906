package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.limit.ConcurrencyLimiter;
import dev.sluice.limit.Discipline;
import dev.sluice.limit.LimitExceededException;
import dev.sluice.limit.Permit;
import dev.sluice.limit.WaitQueueFullException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class BusyExceptionTest {

    @Test
    void busyExceptionsRecordNoStackTraceButKeepMessageAndCause() {
        IOException cause = new IOException("down");
        BusyException withCause = new BusyException("pool 'p' is shedding load", cause);
        assertThat(withCause.getStackTrace()).isEmpty();
        assertThat(withCause).hasMessage("pool 'p' is shedding load").hasCause(cause);
        assertThat(cause.getStackTrace()).isNotEmpty();
        assertThat(new LimitExceededException("limit").getStackTrace()).isEmpty();
        assertThat(new WaitQueueFullException("full").getStackTrace()).isEmpty();
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aRefusalFromALimiterIsStacklessWhileAShutdownSignalKeepsItsTrace() throws Exception {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.builder().name("l").limit(1).maxWaiters(0)
                .discipline(Discipline.FIFO).build();
        try (Permit held = limiter.acquire(Context.background().withTimeout(Duration.ofSeconds(5)))) {
            try {
                limiter.acquire(Context.background().withTimeout(Duration.ofSeconds(5)));
                throw new AssertionError("a second permit was granted over a limit of 1 with no room to wait");
            } catch (BusyException e) {
                assertThat(e.getStackTrace()).isEmpty();
                assertThat(e.getMessage()).contains("'l'");
            }
        }
        limiter.close();
        try {
            limiter.acquire(Context.background());
            throw new AssertionError("a closed limiter granted a permit");
        } catch (ClosedException e) {
            assertThat(e.getStackTrace()).isNotEmpty();
        }
    }
}
