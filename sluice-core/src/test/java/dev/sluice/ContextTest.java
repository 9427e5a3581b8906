package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testing.Poll;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Context: the tree, deadlines, cancellation, causes and onDone callbacks, as documented. */
@Timeout(10)
class ContextTest {

    @Test
    void backgroundIsNeverDoneAndHasNoDeadline() {
        Context bg = Context.background();
        assertThat(bg).isSameAs(Context.background());
        assertThat(bg.isDone()).isFalse();
        assertThat(bg.cause()).isNull();
        assertThat(bg.hasDeadline()).isFalse();
        assertThat(bg.remainingNanos()).isEqualTo(Long.MAX_VALUE);
        assertThat(bg.remaining()).isEqualTo(Duration.ofNanos(Long.MAX_VALUE));
        bg.throwIfDone();
    }

    @Test
    void withTimeoutIsDoneWhenTheTimeoutPassesWithDeadlineExceeded() {
        Context ctx = Context.background().withTimeout(Duration.ofMillis(30));
        assertThat(ctx.hasDeadline()).isTrue();
        assertThat(ctx.isDone()).isFalse();
        assertThat(ctx.cause()).isNull();
        Poll.until("the deadline passes", ctx::isDone);
        assertThat(ctx.cause()).isInstanceOf(DeadlineExceededException.class);
        assertThat(ctx.remainingNanos()).isZero();
        assertThat(ctx.remaining()).isEqualTo(Duration.ZERO);
        assertThatThrownBy(ctx::throwIfDone).isInstanceOf(DeadlineExceededException.class);
    }

    @Test
    void zeroAndNegativeTimeoutsGiveAContextThatIsAlreadyDone() {
        for (Duration d : List.of(Duration.ZERO, Duration.ofMillis(-1), Duration.ofSeconds(Long.MIN_VALUE))) {
            Context ctx = Context.background().withTimeout(d);
            assertThat(ctx.isDone()).as("timeout %s", d).isTrue();
            assertThat(ctx.cause()).isInstanceOf(DeadlineExceededException.class);
        }
    }

    @Test
    void aHugeTimeoutIsNotDoneAndDoesNotOverflow() {
        Context ctx = Context.background().withTimeout(Duration.ofSeconds(Long.MAX_VALUE));
        assertThat(ctx.isDone()).isFalse();
        assertThat(ctx.remaining()).isGreaterThan(Duration.ofDays(365 * 100));
    }

    @Test
    void withDeadlineUsesTheWallClockInstant() {
        Context past = Context.background().withDeadline(Instant.now().minusSeconds(1));
        assertThat(past.isDone()).isTrue();
        Context future = Context.background().withDeadline(Instant.now().plusSeconds(60));
        assertThat(future.isDone()).isFalse();
        assertThat(future.remaining()).isBetween(Duration.ofSeconds(50), Duration.ofSeconds(60));
    }

    @Test
    void remainingCountsDownAndAChildDeadlineIsNeverLaterThanItsParent() {
        Context parent = Context.background().withTimeout(Duration.ofSeconds(10));
        assertThat(parent.remaining()).isBetween(Duration.ofSeconds(9), Duration.ofSeconds(10));
        Context child = parent.withTimeout(Duration.ofHours(1));
        assertThat(child.remaining()).isLessThanOrEqualTo(parent.remaining().plusMillis(1));
        Context sooner = parent.withTimeout(Duration.ofSeconds(1));
        assertThat(sooner.remaining()).isLessThanOrEqualTo(Duration.ofSeconds(1));
        CancellableContext cancellable = parent.withCancel();
        assertThat(cancellable.hasDeadline()).isTrue();
        assertThat(cancellable.remaining()).isLessThanOrEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void withCancelIsDoneWhenCancelledWithCancelledException() {
        CancellableContext ctx = Context.background().withCancel();
        assertThat(ctx.isDone()).isFalse();
        assertThat(ctx.hasDeadline()).isFalse();
        assertThat(ctx.cancel()).isTrue();
        assertThat(ctx.isDone()).isTrue();
        assertThat(ctx.cause()).isInstanceOf(CancelledException.class).hasNoCause();
        assertThatThrownBy(ctx::throwIfDone).isInstanceOf(CancelledException.class);
    }

    @Test
    void cancelIsIdempotentAndKeepsTheFirstReason() {
        CancellableContext ctx = Context.background().withCancel();
        RuntimeException first = new RuntimeException("first");
        assertThat(ctx.cancel(first)).isTrue();
        assertThat(ctx.cancel(new RuntimeException("second"))).isFalse();
        assertThat(ctx.cancel()).isFalse();
        ctx.close();
        assertThat(ctx.cause()).hasCause(first);
    }

    @Test
    void closeCancelsSoTryWithResourcesPlaysDeferCancel() {
        CancellableContext escaped;
        try (CancellableContext ctx = Context.background().withCancel()) {
            escaped = ctx;
            assertThat(ctx.isDone()).isFalse();
        }
        assertThat(escaped.isDone()).isTrue();
        assertThat(escaped.cause()).isInstanceOf(CancelledException.class);
    }

    @Test
    void theCancelReasonIsTheCauseOfTheThrownCancelledException() {
        CancellableContext ctx = Context.background().withCancel();
        IllegalStateException reason = new IllegalStateException("shutdown");
        ctx.cancel(reason);
        assertThat(ctx.cause()).hasCause(reason);
        assertThatThrownBy(ctx::throwIfDone).isInstanceOf(CancelledException.class).hasCause(reason);
    }

    @Test
    void childrenAreDoneWithTheirParentButNotTheOtherWayRound() {
        CancellableContext parent = Context.background().withCancel();
        CancellableContext child = parent.withCancel();
        Context grandchild = child.withTimeout(Duration.ofHours(1));
        CancellableContext sibling = parent.withCancel();
        child.cancel();
        assertThat(child.isDone()).isTrue();
        assertThat(grandchild.isDone()).isTrue();
        assertThat(parent.isDone()).as("cancelling a child leaves the parent").isFalse();
        assertThat(sibling.isDone()).isFalse();
        parent.cancel();
        assertThat(sibling.isDone()).isTrue();
        assertThat(sibling.cause()).isInstanceOf(CancelledException.class);
    }

    @Test
    void aParentDeadlineMakesItsChildrenDone() {
        Context parent = Context.background().withTimeout(Duration.ofMillis(20));
        CancellableContext child = parent.withCancel();
        Poll.until("the parent deadline passes", parent::isDone);
        assertThat(child.isDone()).isTrue();
        assertThat(child.cause()).isInstanceOf(DeadlineExceededException.class);
    }

    @Test
    void theEarliestCauseWinsBetweenCancellationAndDeadline() {
        // Cancelled first, deadline later.
        CancellableContext cancelledFirst = Context.background().withTimeout(Duration.ofMillis(20)).withCancel();
        cancelledFirst.cancel();
        Poll.until("the deadline passes too", () -> cancelledFirst.remainingNanos() == 0);
        assertThat(cancelledFirst.cause()).isInstanceOf(CancelledException.class);

        // Deadline first, cancelled later.
        CancellableContext expiredFirst = Context.background().withTimeout(Duration.ofMillis(5)).withCancel();
        Poll.until("the deadline passes", expiredFirst::isDone);
        expiredFirst.cancel();
        assertThat(expiredFirst.cause()).isInstanceOf(DeadlineExceededException.class);

        // Two ancestors cancelled: the earlier cancellation is reported.
        CancellableContext outer = Context.background().withCancel();
        CancellableContext inner = outer.withCancel();
        RuntimeException innerReason = new RuntimeException("inner");
        inner.cancel(innerReason);
        outer.cancel(new RuntimeException("outer"));
        assertThat(inner.cause()).hasCause(innerReason);
    }

    @Test
    void onDoneRunsOnceOnTheCancellingThreadAfterTheContextIsMarkedDone() {
        CancellableContext ctx = Context.background().withTimeout(Duration.ofSeconds(30)).withCancel();
        AtomicInteger runs = new AtomicInteger();
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        AtomicReference<Boolean> doneWhenRun = new AtomicReference<>();
        ctx.onDone(() -> {
            runs.incrementAndGet();
            ranOn.set(Thread.currentThread());
            doneWhenRun.set(ctx.isDone());
        });
        assertThat(runs).hasValue(0);
        ctx.cancel();
        assertThat(runs).as("ran before cancel returned").hasValue(1);
        assertThat(ranOn.get()).isSameAs(Thread.currentThread());
        assertThat(doneWhenRun.get()).isTrue();
        ctx.cancel();
        assertThat(runs).hasValue(1);
    }

    @Test
    void onDoneOfADescendantRunsOnceWhenAnAncestorIsCancelled() {
        CancellableContext root = Context.background().withCancel();
        CancellableContext mid = root.withCancel();
        Context leaf = mid.withTimeout(Duration.ofHours(1));
        AtomicInteger runs = new AtomicInteger();
        leaf.onDone(runs::incrementAndGet);
        root.cancel();
        mid.cancel();
        assertThat(runs).hasValue(1);
    }

    @Test
    void onDoneRunsOnceOnTheTimerThreadWhenTheDeadlinePasses() throws Exception {
        Context ctx = Context.background().withTimeout(Duration.ofMillis(30));
        CountDownLatch ran = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        ctx.onDone(() -> {
            runs.incrementAndGet();
            ranOn.set(Thread.currentThread());
            ran.countDown();
        });
        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(ctx.isDone()).isTrue();
        assertThat(ranOn.get()).isNotSameAs(Thread.currentThread());
        assertThat(runs).hasValue(1);
    }

    @Test
    void onDoneRunsAtOnceOnThisThreadWhenAlreadyDone() {
        CancellableContext ctx = Context.background().withCancel();
        ctx.cancel();
        List<Thread> ranOn = new ArrayList<>();
        Context.Registration reg = ctx.onDone(() -> ranOn.add(Thread.currentThread()));
        assertThat(ranOn).containsExactly(Thread.currentThread());
        reg.close();
        Context expired = Context.background().withTimeout(Duration.ZERO);
        expired.onDone(() -> ranOn.add(Thread.currentThread()));
        assertThat(ranOn).hasSize(2);
    }

    @Test
    void aClosedRegistrationIsNotRunOnCancel() {
        CancellableContext ctx = Context.background().withCancel();
        AtomicInteger dropped = new AtomicInteger();
        AtomicInteger kept = new AtomicInteger();
        Context.Registration reg = ctx.onDone(dropped::incrementAndGet);
        ctx.onDone(kept::incrementAndGet);
        reg.close();
        reg.close();
        ctx.cancel();
        assertThat(dropped).hasValue(0);
        assertThat(kept).hasValue(1);
    }

    /**
     * Two callbacks share one deadline; the first is closed. The timer runs callbacks for equal deadlines in
     * the order they were scheduled, so once the second has run, the first would have run too if it were
     * still registered.
     */
    @Test
    void aClosedRegistrationIsNotRunAtTheDeadline() throws Exception {
        Context ctx = Context.background().withTimeout(Duration.ofMillis(30));
        AtomicInteger dropped = new AtomicInteger();
        CountDownLatch kept = new CountDownLatch(1);
        Context.Registration reg = ctx.onDone(dropped::incrementAndGet);
        ctx.onDone(kept::countDown);
        reg.close();
        assertThat(kept.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(dropped).hasValue(0);
    }

    @Test
    void onDoneOnBackgroundNeverRuns() {
        AtomicInteger runs = new AtomicInteger();
        Context.Registration reg = Context.background().onDone(runs::incrementAndGet);
        reg.close();
        assertThat(runs).hasValue(0);
    }

    @Test
    void aCallbackThatThrowsDoesNotStopTheOthersAndIsRethrownByCancel() {
        CancellableContext ctx = Context.background().withCancel();
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        RuntimeException first = new IllegalStateException("one");
        ctx.onDone(() -> {
            ran.add("a");
            throw first;
        });
        ctx.onDone(() -> ran.add("b"));
        ctx.onDone(() -> {
            ran.add("c");
            throw new IllegalArgumentException("two");
        });
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(ctx::cancel);
        assertThat(ran).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(thrown).isInstanceOf(RuntimeException.class);
        assertThat(thrown.getSuppressed()).hasSize(1);
        assertThat(ctx.isDone()).isTrue();
    }

    @Test
    void derivingFromADoneContextGivesADoneContext() {
        CancellableContext ctx = Context.background().withCancel();
        ctx.cancel();
        assertThat(ctx.withCancel().isDone()).isTrue();
        assertThat(ctx.withTimeout(Duration.ofHours(1)).isDone()).isTrue();
        assertThat(ctx.withTimeout(Duration.ofHours(1)).cause()).isInstanceOf(CancelledException.class);
    }

    @Test
    void allContextExceptionsAreUncheckedSluiceExceptions() {
        assertThat(new CancelledException("x")).isInstanceOf(ContextDoneException.class).isInstanceOf(SluiceException.class)
                .isInstanceOf(RuntimeException.class);
        assertThat(new DeadlineExceededException("x")).isInstanceOf(ContextDoneException.class);
    }
}
