package dev.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.ClosedException;
import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import dev.sluice.examples.EmailSender.Email;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EmailSenderTest {

    private static Email email(int i) {
        return new Email("u" + i + "@example.com", "s" + i, "b");
    }

    @Test
    void fullQueueDropsOnTrySubmitRejectsOnTimedSubmitAndCloseDeliversEveryAcceptedEmail() throws Exception {
        CountDownLatch smtpUp = new CountDownLatch(1);
        CountDownLatch sending = new CountDownLatch(1);
        Set<String> deliveredTo = ConcurrentHashMap.newKeySet();
        EmailSender sender = new EmailSender(1, 3, e -> {
            sending.countDown();
            smtpUp.await();
            assertThat(deliveredTo.add(e.to())).as("delivered once: %s", e.to()).isTrue();
        });
        Set<String> accepted = new HashSet<>();
        assertThat(sender.trySubmit(email(0))).isTrue();
        accepted.add("u0@example.com");
        sending.await(); // the only worker is now stuck in the transport
        for (int i = 1; i <= 3; i++) {
            assertThat(sender.trySubmit(email(i))).as("room for email %d", i).isTrue();
            accepted.add("u" + i + "@example.com");
        }
        assertThat(sender.trySubmit(email(4))).as("the queue of 3 is full").isFalse();
        assertThat(sender.stats().dropped()).isEqualTo(1);
        assertThatThrownBy(() -> sender.submit(Context.background().withTimeout(Duration.ofMillis(20)), email(99)))
                .isInstanceOf(DeadlineExceededException.class);
        EmailSender.Stats full = sender.stats();
        assertThat(full.rejected()).isEqualTo(1);
        assertThat(full.offered()).isEqualTo(full.accepted() + full.dropped() + full.rejected());

        smtpUp.countDown();
        assertThat(sender.close(Duration.ofSeconds(10)).terminated()).isTrue();
        EmailSender.Stats end = sender.stats();
        assertThat(deliveredTo).isEqualTo(accepted);
        assertThat(end.sent()).isEqualTo(accepted.size());
        assertThat(end.accepted()).isEqualTo(end.sent() + end.failed() + end.expired());
        assertThat(end.expired()).isZero();
        assertThatThrownBy(() -> sender.trySubmit(email(100))).isInstanceOf(ClosedException.class);
    }

    @Test
    void anEmailWhoseDeadlinePassesWhileQueuedIsNotSentAndCountedAsExpired() throws Exception {
        CountDownLatch smtpUp = new CountDownLatch(1);
        CountDownLatch sending = new CountDownLatch(1);
        Set<String> deliveredTo = ConcurrentHashMap.newKeySet();
        EmailSender sender = new EmailSender(1, 2, e -> {
            sending.countDown();
            smtpUp.await();
            deliveredTo.add(e.to());
        });
        sender.submit(Context.background(), email(0));
        sending.await();
        try (var ctx = Context.background().withCancel()) {
            sender.submit(ctx, email(1)); // accepted: there is room
            ctx.cancel();                 // the caller gives up before a worker gets to it
        }
        smtpUp.countDown();
        sender.close(Duration.ofSeconds(10));
        EmailSender.Stats s = sender.stats();
        assertThat(deliveredTo).containsExactly("u0@example.com");
        assertThat(s.expired()).isEqualTo(1);
        assertThat(s.accepted()).isEqualTo(2).isEqualTo(s.sent() + s.failed() + s.expired());
    }

    @Test
    void aFailingTransportIsCountedAndDoesNotStopTheWorkers() throws Exception {
        EmailSender sender = new EmailSender(1, 10, e -> {
            if (e.to().startsWith("u1")) {
                throw new IllegalStateException("mailbox full");
            }
        });
        for (int i = 0; i < 20; i++) {
            sender.submit(Context.background(), email(i));
        }
        sender.close(Duration.ofSeconds(10));
        EmailSender.Stats s = sender.stats();
        assertThat(s.failed()).isEqualTo(11); // u1 and u10..u19
        assertThat(s.sent()).isEqualTo(9);
        assertThat(s.accepted()).isEqualTo(20);
    }

    @Test
    void malformedEmailsAreRefusedAndNotCounted() throws Exception {
        EmailSender sender = new EmailSender(1, 1, e -> { });
        assertThatThrownBy(() -> new Email(null, "s", "b")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> sender.trySubmit(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new EmailSender(0, 1, e -> { })).isInstanceOf(IllegalArgumentException.class);
        assertThat(sender.stats().offered()).isZero();
        sender.close();
    }

    @Test
    void theExampleCountersAddUp() throws Exception {
        ExampleRun r = ExampleRun.of("email-sender", "--emails", "150", "--send", "2ms", "--wait", "5ms", "--machine");
        assertThat(r.exitCode).as(r.err).isZero();
        assertThat(r.number("offered")).isEqualTo(150);
        assertThat(r.number("offered")).isEqualTo(r.number("accepted") + r.number("dropped") + r.number("rejected"));
        assertThat(r.number("accepted")).isEqualTo(r.number("sent") + r.number("failed") + r.number("expired"));
        assertThat(r.number("delivered")).isEqualTo(r.number("sent"));
        assertThat(r.flag("drainedWithinGrace")).isTrue();
        // A burst of 50 into a queue of 20 with two 2 ms workers cannot all fit.
        assertThat(r.number("dropped")).isPositive();
    }

    @Test
    void badFlagsGiveAUsageError() throws Exception {
        ExampleRun r = ExampleRun.of("email-sender", "--workers", "0");
        assertThat(r.exitCode).isEqualTo(2);
        assertThat(r.err).contains("--workers must be at least 1");
        assertThat(ExampleRun.of("email-sender", "--wat", "1").err).contains("unknown flag '--wat'");
    }
}
