package dev.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LogShipperTest {

    @Test
    void theAppNeverBlocksWhileTheUpstreamIsStuckAndDropsEqualOfferedMinusShipped() throws Exception {
        CountDownLatch upstreamUp = new CountDownLatch(1);
        AtomicLong received = new AtomicLong();
        List<String> reports = Collections.synchronizedList(new ArrayList<>());
        LogShipper shipper = new LogShipper(100, 10, batch -> {
            try {
                upstreamUp.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            received.addAndGet(batch.size());
        }, Duration.ofHours(1), reports::add);
        // The upstream is stuck for the whole loop: if log() could block, this test would hang on it.
        int offered = 50_000;
        int accepted = 0;
        for (int i = 0; i < offered; i++) {
            if (shipper.log("line " + i)) {
                accepted++;
            }
        }
        assertThat(shipper.appBlockedNanos()).isZero();
        // At most the buffer plus the one batch the shipper holds got in; everything else was dropped.
        assertThat(accepted).isBetween(100, 100 + 10);
        assertThat(shipper.dropped()).isEqualTo(offered - accepted);
        assertThat(reports).as("one report per hour at most").hasSize(1);

        upstreamUp.countDown();
        assertThat(shipper.close(Duration.ofSeconds(10))).isTrue();
        assertThat(shipper.offered()).isEqualTo(offered);
        assertThat(shipper.shipped()).isEqualTo(accepted).isEqualTo(received.get());
        assertThat(shipper.dropped()).isEqualTo(shipper.offered() - shipper.shipped());
        assertThat(shipper.log("after close")).isFalse();
    }

    @Test
    void aFailingUpstreamStopsShippingWithAReportAndTheAppStillNeverBlocks() throws Exception {
        List<String> reports = Collections.synchronizedList(new ArrayList<>());
        LogShipper shipper = new LogShipper(10, 5, batch -> {
            throw new IllegalStateException("upstream down");
        }, Duration.ofMillis(1), reports::add);
        assertThat(shipper.log("first")).isTrue();
        for (int i = 0; i < 1_000; i++) {
            shipper.log("line " + i);
        }
        assertThat(shipper.close(Duration.ofSeconds(10))).isTrue();
        assertThat(shipper.appBlockedNanos()).isZero();
        assertThat(reports).anyMatch(r -> r.contains("upstream failed"));
    }

    @Test
    void linesBufferedWhenTheShipperIsClosedAreShippedNotLost() throws Exception {
        CountDownLatch inUpstream = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<List<String>> batches = Collections.synchronizedList(new ArrayList<>());
        List<String> reports = Collections.synchronizedList(new ArrayList<>());
        LogShipper shipper = new LogShipper(100, 10, batch -> {
            inUpstream.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            batches.add(List.copyOf(batch));
        }, Duration.ofHours(1), reports::add);
        assertThat(shipper.log("a")).isTrue();
        assertThat(inUpstream.await(10, TimeUnit.SECONDS)).isTrue(); // batch [a] is in the upstream
        assertThat(shipper.log("b")).isTrue();
        assertThat(shipper.log("c")).isTrue();
        assertThat(shipper.close(Duration.ZERO)).isFalse(); // closed with b and c buffered
        release.countDown();
        // The shipper takes b, then finds the channel closed and empty while filling the batch: [b, c]
        // must still reach the upstream (it used to be dropped with an "upstream failed" report).
        assertThat(shipper.close(Duration.ofSeconds(10))).isTrue();
        assertThat(batches).containsExactly(List.of("a"), List.of("b", "c"));
        assertThat(shipper.shipped()).isEqualTo(3);
        assertThat(shipper.offered()).isEqualTo(3);
        assertThat(reports).isEmpty();
    }

    @Test
    void malformedInputIsRefused() {
        assertThatThrownBy(() -> new LogShipper(0, 1, b -> { }, Duration.ofSeconds(1), r -> { }))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LogShipper(1, 0, b -> { }, Duration.ofSeconds(1), r -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theExampleShipsOrCountsEveryLine() throws Exception {
        ExampleRun r = ExampleRun.of("log-shipper", "--lines", "50000", "--upstream", "1ms", "--machine");
        assertThat(r.exitCode).as(r.err).isZero();
        assertThat(r.number("offered")).isEqualTo(50_000);
        assertThat(r.number("dropped")).isEqualTo(r.number("offered") - r.number("shipped"));
        assertThat(r.number("receivedUpstream")).isEqualTo(r.number("shipped"));
        assertThat(r.number("appBlockedNanos")).isZero();
        assertThat(r.flag("drained")).isTrue();
    }
}
