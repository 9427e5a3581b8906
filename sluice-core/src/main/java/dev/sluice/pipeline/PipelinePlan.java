package dev.sluice.pipeline;

import dev.sluice.Context;
import dev.sluice.pipeline.internal.Graph;
import dev.sluice.pipeline.internal.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;

/**
 * A complete pipeline, validated when it was built and ready to start, any number of times (each start
 * makes fresh links and threads; sources over one-shot iterables or shared ports are of course shared).
 * Immutable and thread-safe.
 *
 * <p>Validation, when a sink is added or plans are joined with {@link #together}: stage names are unique,
 * a stage feeds one stage only, and there is no cycle (see {@link PipelineCycleException}). A refused plan
 * has started nothing.
 *
 * <p>Threads: by default every stage thread is a new virtual thread; {@link #threads(ThreadFactory)}
 * chooses another factory (for platform threads, or to count them). Whichever factory made it, each thread
 * is named {@code sluice-pipeline:<stage>:<role>}. A pipeline makes a fixed number of threads, known before it starts:
 * one per serial stage, n per {@code mapParallel}, lanes + 1 per {@code partitionBy},
 * one per fan-out consumer.
 */
public final class PipelinePlan {

    private final Graph graph;
    private final ThreadFactory threads;

    private PipelinePlan(Graph graph, ThreadFactory threads) {
        this.graph = graph;
        this.threads = threads;
    }

    static PipelinePlan single(Node sink) {
        return new PipelinePlan(Graph.validate(List.of(sink)), null);
    }

    /**
     * One plan made of several, started and stopped as one: they may be wired together through channels
     * (one's sink writes a channel another's source reads), and a cycle through such channels is refused
     * here with {@link PipelineCycleException}.
     */
    public static PipelinePlan together(PipelinePlan... plans) {
        Objects.requireNonNull(plans, "plans");
        if (plans.length == 0) {
            throw new IllegalArgumentException("together needs at least one plan");
        }
        List<Node> sinks = new ArrayList<>();
        ThreadFactory f = null;
        for (PipelinePlan p : plans) {
            Objects.requireNonNull(p, "a plan is null");
            sinks.addAll(p.graph.sinks());
            if (f == null) {
                f = p.threads;
            }
        }
        return new PipelinePlan(Graph.validate(sinks), f);
    }

    /** The same plan, running its stages on threads from {@code factory}. */
    public PipelinePlan threads(ThreadFactory factory) {
        return new PipelinePlan(graph, Objects.requireNonNull(factory, "factory"));
    }

    /** The stages' names, sources first. */
    public List<String> stageNames() {
        return graph.stageNames();
    }

    /** Starts the pipeline under {@link Context#background()}. */
    public RunningPipeline start() {
        return start(Context.background());
    }

    /**
     * Starts the pipeline. It stops, as if cancelled, when {@code context} is done. Returns at once; all
     * threads have been started. If the thread factory fails, the exception propagates and no thread has
     * started.
     */
    public RunningPipeline start(Context context) {
        Objects.requireNonNull(context, "context");
        return graph.start(context, threads);
    }

    /** Starts the pipeline and waits for it; see {@link #run(Context)}. */
    public void run() throws InterruptedException {
        run(Context.background());
    }

    /**
     * Starts the pipeline and waits until it ends, like Go's {@code errgroup.Wait}.
     *
     * @throws PipelineFailedException if a stage failed or {@code context} ended first
     * @throws InterruptedException    if the caller is interrupted: the pipeline is then cancelled, and this
     *                                 is thrown once its threads have ended
     */
    public void run(Context context) throws InterruptedException {
        RunningPipeline p = start(context);
        try {
            p.await();
        } catch (InterruptedException e) {
            p.cancel();
            boolean ended = false;
            while (!ended) {
                try {
                    p.await();
                    ended = true;
                } catch (InterruptedException again) {
                    // keep waiting: the threads were told to stop and end promptly
                } catch (PipelineFailedException expected) {
                    ended = true;
                }
            }
            throw e;
        }
    }

    @Override
    public String toString() {
        return "PipelinePlan" + graph.stageNames();
    }
}
