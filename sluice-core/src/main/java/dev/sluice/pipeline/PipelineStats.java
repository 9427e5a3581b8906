package dev.sluice.pipeline;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A snapshot of a running pipeline: every stage and every link, taken at {@code atNanos}
 * ({@link System#nanoTime()}).
 *
 * @param atNanos when it was taken
 * @param stages  the stages, sources first
 * @param links   the links between stages, then the links inside stages
 */
public record PipelineStats(long atNanos, List<StageStats> stages, List<LinkStats> links) {

    /** The smallest share of time a stage's producers must wait on its input, and its consumers on its output. */
    public static final double BOTTLENECK_THRESHOLD = 0.5;

    public PipelineStats {
        stages = List.copyOf(stages);
        links = List.copyOf(links);
    }

    /** The stage with this name. */
    public Optional<StageStats> stage(String name) {
        return stages.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** The link with this name. */
    public Optional<LinkStats> link(String name) {
        return links.stream().filter(l -> l.name().equals(name)).findFirst();
    }

    /**
     * The stage that held the pipeline back between {@code earlier} and this snapshot: the stage whose
     * input link was full while its output link was empty, measured by waiting time. For each stage S that
     * is not a source, over the interval:
     * <ul>
     * <li>input full = time S's producers spent waiting for room in S's input link, divided by
     *     (interval x number of producer threads);
     * <li>output starved = time the stage reading S's output spent waiting for input, divided by
     *     (interval x number of its reading threads); 1 if S is a sink.
     * </ul>
     * S is a candidate when both are at least {@value #BOTTLENECK_THRESHOLD}; the answer is the candidate
     * with the largest smaller-of-the-two. Empty when no stage qualifies: the pipeline is keeping up, or the
     * sources are the slow part (then every stage is starved and none has a full input), or the interval
     * is empty. Waiting time is counted when each wait ends, so a thread stuck in one wait for the whole
     * interval does not show until it resumes.
     */
    public Optional<Bottleneck> bottleneckSince(PipelineStats earlier) {
        long dt = atNanos - earlier.atNanos;
        if (dt <= 0) {
            return Optional.empty();
        }
        Map<String, LinkStats> before = new HashMap<>();
        for (LinkStats l : earlier.links) {
            before.put(l.name(), l);
        }
        Map<String, LinkStats> now = new HashMap<>();
        for (LinkStats l : links) {
            now.put(l.name(), l);
        }
        Map<String, StageStats> earlierStages = new HashMap<>();
        for (StageStats s : earlier.stages) {
            earlierStages.put(s.name(), s);
        }
        Map<String, StageStats> readerOf = new HashMap<>();
        for (StageStats s : stages) {
            if (s.inputLink() != null) {
                readerOf.put(s.inputLink(), s);
            }
        }
        Bottleneck best = null;
        double bestScore = -1;
        for (StageStats s : stages) {
            LinkStats in = s.inputLink() == null ? null : now.get(s.inputLink());
            if (in == null || in.writers() == 0) {
                continue;
            }
            LinkStats inBefore = before.get(in.name());
            long waitedForRoom = in.channel().blockedNanos() - (inBefore == null ? 0 : inBefore.channel().blockedNanos());
            double inputFull = ratio(waitedForRoom, dt, in.writers());
            double outputStarved;
            if (s.outputLink() == null) {
                outputStarved = 1.0;
            } else {
                StageStats next = readerOf.get(s.outputLink());
                LinkStats out = now.get(s.outputLink());
                if (next == null || out == null || out.readers() == 0) {
                    continue;
                }
                StageStats nextBefore = earlierStages.get(next.name());
                long waitedForInput = next.blockedOnInputNanos() - (nextBefore == null ? 0 : nextBefore.blockedOnInputNanos());
                outputStarved = ratio(waitedForInput, dt, out.readers());
            }
            double score = Math.min(inputFull, outputStarved);
            if (inputFull >= BOTTLENECK_THRESHOLD && outputStarved >= BOTTLENECK_THRESHOLD && score > bestScore) {
                bestScore = score;
                best = new Bottleneck(s.name(), inputFull, outputStarved, Duration.ofNanos(dt));
            }
        }
        return Optional.ofNullable(best);
    }

    private static double ratio(long nanos, long interval, int threads) {
        return Math.max(0.0, Math.min(1.0, (double) nanos / ((double) interval * threads)));
    }
}
