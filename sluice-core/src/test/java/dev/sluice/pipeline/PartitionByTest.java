package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Poll;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class PartitionByTest {

    record Item(String key, int seq) { }

    @Test
    void aSlowKeyDoesNotBlockTheOtherKeys() throws Exception {
        CountingThreads threads = CountingThreads.virtual();
        CountDownLatch slowKeyReleased = new CountDownLatch(1);
        List<Item> items = new ArrayList<>();
        // 10 items of the slow key (fewer than its lane holds) interleaved with 300 of each fast key.
        for (int i = 0; i < 300; i++) {
            if (i < 10) {
                items.add(new Item("slow", i));
            }
            items.add(new Item("a", i));
            items.add(new Item("b", i));
            items.add(new Item("c", i));
        }
        int lanes = 8;
        // The keys must land in different lanes for the test to mean anything.
        List<String> keys = List.of("slow", "a", "b", "c");
        assertThat(keys.stream().map(k -> Math.floorMod(k.hashCode() ^ (k.hashCode() >>> 16), lanes)).distinct().count())
                .isEqualTo(4);
        ConcurrentList<Item> out = new ConcurrentList<>();
        RunningPipeline p = Pipeline.from(items)
                .partitionBy("lanes", Item::key, lanes, item -> {
                    if (item.key().equals("slow")) {
                        OrderingTest.await(slowKeyReleased);
                    }
                    return item;
                })
                .to("out", out).threads(threads).start();
        Poll.until("every fast item is out while the slow key is stuck", () -> out.size() == 900);
        assertThat(out.snapshot()).noneMatch(i -> i.key().equals("slow"));
        slowKeyReleased.countDown();
        p.await();
        assertThat(out.snapshot()).hasSize(910);
        assertThat(out.snapshot().stream().filter(i -> i.key().equals("slow")).map(Item::seq).toList())
                .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        threads.assertAllEnded();
    }
}
