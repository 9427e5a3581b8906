package dev.sluice.pipeline;

import dev.sluice.SluiceException;

/**
 * Thrown by {@link RunningPipeline#await()} (and {@link PipelinePlan#run()}) when the pipeline did not
 * complete: the first stage failure (whose exception is the cause; later failures that it provoked are
 * not reported), or a cancellation from outside — {@link RunningPipeline#cancel()},
 * {@link RunningPipeline#abort()}, or the context given to {@code start} — whose
 * {@link dev.sluice.ContextDoneException} is the cause and whose {@link #stage()} is null.
 * By the time it is thrown every thread of the pipeline has ended.
 */
public final class PipelineFailedException extends SluiceException {
    private static final long serialVersionUID = 1L;

    private final String stage;
    private final transient ShutdownReport unfinished;

    public PipelineFailedException(String stage, Throwable cause, ShutdownReport unfinished) {
        super(stage != null ? "pipeline stage '" + stage + "' failed: " + cause
                : "pipeline cancelled: " + cause, cause);
        this.stage = stage;
        this.unfinished = unfinished;
    }

    /** The name of the stage that failed first, or null if the pipeline was cancelled from outside. */
    public String stage() {
        return stage;
    }

    /** True if the pipeline was cancelled from outside rather than failed by one of its stages. */
    public boolean cancelledFromOutside() {
        return stage == null;
    }

    /** What was inside and not finished when it stopped. */
    public ShutdownReport unfinished() {
        return unfinished;
    }
}
