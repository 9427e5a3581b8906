package dev.sluice.pipeline.internal;

/**
 * What a stage does when the pipeline starts: the threads it creates and how many of them write to its
 * output link and read its input link. Implementations are immutable, so a plan can be started again.
 */
public abstract class StageBody {

    /** A name for the kind of stage, shown in statistics ("map", "batch", ...). */
    abstract String kind();

    /** Threads that write to the output link (each marks its share done when it ends). */
    abstract int writers();

    /** Threads that read the input link. */
    abstract int readers();

    /** Creates the stage's threads (not started) through {@link StageRuntime#spawn}. */
    abstract void launch(StageRuntime st);

    /** The external channel a source reads, for cycle detection; null if none. */
    Object readsPort() {
        return null;
    }

    /** The external channel a sink writes, for cycle detection; null if none. */
    Object writesPort() {
        return null;
    }

    boolean isSource() {
        return false;
    }

    boolean isSink() {
        return false;
    }

    /** True if items in are counted by the input link (the stage reads it through user code). */
    boolean countsFromLink() {
        return false;
    }
}
