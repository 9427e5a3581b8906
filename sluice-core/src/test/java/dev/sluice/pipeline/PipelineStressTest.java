package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many items through every kind of stage, with a failure planted at a random place in most runs: every
 * item the source took is delivered to the sink or reported (left in a link or held by a stage), exactly
 * once, and no thread is left. {@code SLUICE_STRESS_SCALE} multiplies the items per run (and the number of
 * runs by its square root).
 */
@Timeout(value = 30, unit = java.util.concurrent.TimeUnit.MINUTES) // scale 1 takes seconds; scale 10 a few minutes
class PipelineStressTest {

    static double scale() {
        String s = System.getenv("SLUICE_STRESS_SCALE");
        return s == null || s.isBlank() ? 1.0 : Double.parseDouble(s.trim());
    }

    @Test
    void everyItemIsDeliveredOrReportedUnderRandomFailures() throws Exception {
        // Items grow with the scale, runs with its square root: SLUICE_STRESS_SCALE=10 is 76 runs of 200,000.
        int runs = (int) Math.max(4, Math.ceil(24 * Math.sqrt(scale())));
        int items = (int) Math.max(1000, Math.ceil(20_000 * scale()));
        SplittableRandom seeds = new SplittableRandom(42);
        int failed = 0;
        for (int run = 0; run < runs; run++) {
            SplittableRandom rnd = seeds.split();
            boolean plantFailure = run % 4 != 0;
            int failAt = rnd.nextInt(items);
            int failStage = rnd.nextInt(4);
            boolean platform = rnd.nextBoolean();
            CountingThreads threads = platform ? CountingThreads.platform() : CountingThreads.virtual();
            ConcurrentList<Integer> delivered = new ConcurrentList<>();
            PipelinePlan plan = Pipeline.from("src", IntStream.range(0, items).boxed().toList())
                    .map("a", x -> maybeFail(plantFailure && failStage == 0, failAt, x))
                    .mapParallel("ordered", 3, true, x -> maybeFail(plantFailure && failStage == 1, failAt, x))
                    .partitionBy("lanes", x -> x % 5, 3, x -> maybeFail(plantFailure && failStage == 2, failAt, x))
                    .mapParallel("unordered", 2, false, x -> x)
                    .batch(17, Duration.ofMillis(1))
                    .to("sink", batch -> {
                        for (Integer x : batch) {
                            maybeFail(plantFailure && failStage == 3, failAt, x);
                        }
                        batch.forEach(delivered::accept);
                    })
                    .threads(threads);
            RunningPipeline p = plan.start();
            ShutdownReport report;
            try {
                p.await();
                report = null;
            } catch (PipelineFailedException e) {
                failed++;
                assertThat(e.getCause()).hasMessage("planted failure at " + failAt);
                report = e.unfinished();
            }
            threads.assertAllEnded();
            long taken = p.stats().stage("src").orElseThrow().itemsIn();
            BitSet seen = new BitSet(items);
            List<Integer> all = new ArrayList<>(delivered.snapshot());
            if (report != null) {
                report.leftInLinks().values().forEach(l -> l.forEach(x -> addFlat(all, x)));
                report.heldByStages().values().forEach(l -> l.forEach(x -> addFlat(all, x)));
            }
            for (Integer x : all) {
                assertThat(seen.get(x)).as("item %d accounted twice (run %d)", x, run).isFalse();
                seen.set(x);
            }
            assertThat(seen.cardinality()).as("run %d: every item taken is delivered or reported", run).isEqualTo((int) taken);
            if (report == null) {
                assertThat(taken).isEqualTo(items);
            }
        }
        assertThat(failed).isGreaterThan(0);
    }

    private static Integer maybeFail(boolean armed, int failAt, Integer x) {
        if (armed && x == failAt) {
            throw new IllegalStateException("planted failure at " + failAt);
        }
        return x;
    }

    @SuppressWarnings("unchecked")
    private static void addFlat(List<Integer> into, Object x) {
        if (x instanceof List<?> l) {
            into.addAll((List<Integer>) l);
        } else {
            into.add((Integer) x);
        }
    }
}
