package dev.sluice.pipeline;

import java.util.List;

/**
 * Thrown when a pipeline is built whose stages form a cycle — a sink that writes to a channel a source
 * of the same plan reads, directly or through other stages. With bounded links such a loop deadlocks as
 * soon as it fills (each stage waits for room that only the other can make), so it is refused before
 * any thread starts.
 */
public final class PipelineCycleException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final List<String> cycle;

    public PipelineCycleException(List<String> cycle) {
        super("the pipeline has a cycle, which deadlocks once its bounded links fill: "
                + String.join(" -> ", cycle) + "; break it (for example by ending one side in a channel that"
                + " another, separately started pipeline reads, with a policy that never blocks)");
        this.cycle = List.copyOf(cycle);
    }

    /** The stage names along the cycle; the first is repeated at the end. */
    public List<String> cycle() {
        return cycle;
    }
}
