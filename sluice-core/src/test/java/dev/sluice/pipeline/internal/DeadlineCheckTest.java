package dev.sluice.pipeline.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The fused source's maxWait check, driven by a fake clock that advances a set amount per read or item. */
class DeadlineCheckTest {

    /** A clock the test moves; counts how often it is read. */
    private static final class FakeClock {
        long now = 1_000_000L;
        int reads;

        long read() {
            reads++;
            return now;
        }
    }

    @Test
    void aFastIteratorReadsTheClockAFewTimesPerListInsteadOfOncePerItem() {
        FakeClock clock = new FakeClock();
        DeadlineCheck check = new DeadlineCheck(1_000_000L, clock::read); // maxWait 1 ms
        for (int list = 0; list < 10; list++) {
            long deadline = check.start();
            for (int i = 1; i < 64; i++) {
                clock.now += 10; // 10 ns per item: far below maxWait / 16
                assertThat(check.due(deadline)).isFalse();
            }
        }
        assertThat(check.stride()).isEqualTo(DeadlineCheck.MAX_STRIDE);
        // 10 lists of 63 checks: the first list ramps the stride up, then 1 + 63/16 reads per list.
        assertThat(clock.reads).isLessThan(10 * 8);
    }

    @Test
    void aSlowIteratorIsCheckedAfterEveryItemAndTheListIsDueOnceMaxWaitHasPassed() {
        FakeClock clock = new FakeClock();
        DeadlineCheck check = new DeadlineCheck(1_000_000L, clock::read);
        long deadline = check.start();
        clock.now += 400_000; // each item takes 0.4 ms: more than maxWait / 16
        assertThat(check.due(deadline)).isFalse();
        clock.now += 400_000;
        assertThat(check.due(deadline)).isFalse();
        clock.now += 400_000; // 1.2 ms since the first item
        assertThat(check.due(deadline)).isTrue();
        assertThat(check.stride()).isEqualTo(1);
    }

    @Test
    void anIteratorThatSlowsDownIsCaughtWithinOneStride() {
        FakeClock clock = new FakeClock();
        DeadlineCheck check = new DeadlineCheck(1_000_000L, clock::read);
        long deadline = check.start();
        for (int i = 0; i < 40; i++) {
            clock.now += 10;
            assertThat(check.due(deadline)).isFalse();
        }
        int stride = check.stride();
        assertThat(stride).isGreaterThan(1);
        // Now every item takes 2 ms: the list is due, and the check notices within one stride.
        int items = 0;
        boolean due = false;
        while (!due) {
            clock.now += 2_000_000;
            items++;
            due = check.due(deadline);
        }
        assertThat(items).isLessThanOrEqualTo(stride);
        assertThat(check.stride()).isEqualTo(1);
        long next = check.start();
        clock.now += 2_000_000;
        assertThat(check.due(next)).as("after the slow-down every item is checked again").isTrue();
    }

    @Test
    void zeroMaxWaitIsDueAfterEveryItem() {
        FakeClock clock = new FakeClock();
        DeadlineCheck check = new DeadlineCheck(0L, clock::read);
        for (int i = 0; i < 5; i++) {
            long deadline = check.start();
            clock.now += 1;
            assertThat(check.due(deadline)).isTrue();
        }
        assertThat(check.stride()).isEqualTo(1);
    }
}
