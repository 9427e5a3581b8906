package dev.sluice.bench.pipeline;

import dev.sluice.pipeline.Pipeline;
import dev.sluice.pipeline.PipelinePlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.function.UnaryOperator;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The two pipeline targets as paired ratios, for a shared, noisy machine: in one JVM, after warm-up, each
 * round runs variant A and variant B back to back (alternating which goes first) and records the ratio of
 * their throughputs. Load that changes over minutes moves both halves of a pair alike, so the median of the
 * per-round ratios is steadier than the ratio of two JMH results taken minutes apart. The JMH benchmarks
 * ({@link PipelineBatchingBenchmark}, {@link OrderedParallelBenchmark}) give the absolute numbers.
 *
 * <pre>{@code
 * java -cp sluice-bench/target/benchmarks.jar dev.sluice.bench.pipeline.PairedPipelineRatios [rounds]
 * }</pre>
 */
public final class PairedPipelineRatios {

    private static volatile long sink;

    private PairedPipelineRatios() { }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        boolean onlyParallel = args.length > 1 && args[1].equals("parallel");
        for (String kind : List.of("virtual", "platform")) {
            ThreadFactory f = kind.equals("virtual") ? Thread.ofVirtual().factory() : Thread.ofPlatform().daemon(true).factory();
            if (!onlyParallel) {
                pair("batching, " + kind + " threads: batched / unbatched", rounds,
                        PipelineBatchingBenchmark.ITEMS, batched(f), unbatched(f));
                pair("batching, " + kind + " threads: batchedUnfused / unbatched", rounds,
                        PipelineBatchingBenchmark.ITEMS, batchedUnfused(f), unbatched(f));
            }
            pair("mapParallel(4), " + kind + " threads: ordered / unordered", rounds,
                    OrderedParallelBenchmark.ITEMS, parallel(f, true), parallel(f, false));
        }
    }

    private static List<Integer> items(int n) {
        List<Integer> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            items.add(i);
        }
        return items;
    }

    static PipelinePlan unbatched(ThreadFactory f) {
        UnaryOperator<Integer> g = x -> x + 1;
        return Pipeline.from(items(PipelineBatchingBenchmark.ITEMS)).map("s1", g).map("s2", g).map("s3", g).map("s4", g)
                .to("sink", x -> sink += x).threads(f);
    }

    static PipelinePlan batched(ThreadFactory f) {
        UnaryOperator<Integer> g = x -> x + 1;
        UnaryOperator<List<Integer>> each = l -> {
            l.replaceAll(g);
            return l;
        };
        return Pipeline.from(items(PipelineBatchingBenchmark.ITEMS)).batch(64, Duration.ofMillis(1))
                .map("s1", each).map("s2", each).map("s3", each).map("s4", each)
                .to("sink", l -> {
                    for (Integer x : l) {
                        sink += x;
                    }
                }).threads(f);
    }

    /** The batch as a stage of its own: a generator source is never fused with it. */
    static PipelinePlan batchedUnfused(ThreadFactory f) {
        UnaryOperator<Integer> g = x -> x + 1;
        UnaryOperator<List<Integer>> each = l -> {
            l.replaceAll(g);
            return l;
        };
        List<Integer> items = items(PipelineBatchingBenchmark.ITEMS);
        return Pipeline.<Integer>generate("source", out -> {
                    for (Integer x : items) {
                        if (!out.emit(x)) {
                            return;
                        }
                    }
                }).batch(64, Duration.ofMillis(1))
                .map("s1", each).map("s2", each).map("s3", each).map("s4", each)
                .to("sink", l -> {
                    for (Integer x : l) {
                        sink += x;
                    }
                }).threads(f);
    }

    static PipelinePlan parallel(ThreadFactory f, boolean ordered) {
        return Pipeline.from(items(OrderedParallelBenchmark.ITEMS)).mapParallel("work", 4, ordered, x -> {
            Blackhole.consumeCPU(1000);
            return x;
        }).to("sink", x -> sink += x).threads(f);
    }

    private static void pair(String what, int rounds, int items, PipelinePlan a, PipelinePlan b) throws Exception {
        for (int i = 0; i < 5; i++) {
            a.run();
            b.run();
        }
        double[] ta = new double[rounds];
        double[] tb = new double[rounds];
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            if (r % 2 == 0) {
                ta[r] = itemsPerSecond(a, items);
                tb[r] = itemsPerSecond(b, items);
            } else {
                tb[r] = itemsPerSecond(b, items);
                ta[r] = itemsPerSecond(a, items);
            }
            ratio[r] = ta[r] / tb[r];
        }
        System.out.printf("%s: ratio median %.2f (quartiles %.2f-%.2f); A median %.3fM items/s, B median %.3fM items/s, %d rounds%n",
                what, quantile(ratio, 0.5), quantile(ratio, 0.25), quantile(ratio, 0.75),
                quantile(ta, 0.5) / 1e6, quantile(tb, 0.5) / 1e6, rounds);
    }

    private static double itemsPerSecond(PipelinePlan plan, int items) throws InterruptedException {
        long t0 = System.nanoTime();
        plan.run();
        return items * 1e9 / (System.nanoTime() - t0);
    }

    private static double quantile(double[] xs, double q) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[(int) Math.min(s.length - 1, Math.round(q * (s.length - 1)))];
    }
}
