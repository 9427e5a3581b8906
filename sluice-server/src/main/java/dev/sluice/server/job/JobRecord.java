package dev.sluice.server.job;

import java.util.concurrent.CompletableFuture;

/**
 * One accepted job as {@code GET /jobs/{id}} sees it. The worker moves it from queued to running to done
 * or failed; readers on other threads see each state with the timings written before it (the state is
 * volatile and written last).
 */
public final class JobRecord {

    /** A job's states, in the order it passes through them. */
    public enum State {
        QUEUED, RUNNING, DONE, FAILED;

        /** As the API spells it. */
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Work work;
    private final long submittedNanos = System.nanoTime();
    private final CompletableFuture<JobResult> outcome = new CompletableFuture<>();
    private volatile long id = -1;
    private volatile long startedNanos;
    private volatile long finishedNanos;
    private volatile JobResult result;
    private volatile String error;
    private volatile State state = State.QUEUED;
    private volatile String fleetKey;
    boolean retired; // counted among the table's finished jobs; guarded by the table's lock

    public JobRecord(Work work) {
        this.work = work;
    }

    public Work work() {
        return work;
    }

    /** The id the table gave it, or -1 before it was added. */
    public long id() {
        return id;
    }

    void assignId(long id) {
        this.id = id;
    }

    public State state() {
        return state;
    }

    public boolean isFinished() {
        State s = state;
        return s == State.DONE || s == State.FAILED;
    }

    /** Completes with the result, or exceptionally with what the work threw. */
    public CompletableFuture<JobResult> outcome() {
        return outcome;
    }

    public JobResult result() {
        return result;
    }

    public String error() {
        return error;
    }

    public long submittedNanos() {
        return submittedNanos;
    }

    /** Milliseconds between acceptance and start (so far, if still queued). */
    public double queuedMillis() {
        long s = startedNanos;
        return ((s == 0 ? System.nanoTime() : s) - submittedNanos) / 1e6;
    }

    /** Milliseconds between start and finish (so far, if running); 0 if not started. */
    public double runMillis() {
        long s = startedNanos;
        if (s == 0) {
            return 0;
        }
        long f = finishedNanos;
        return ((f == 0 ? System.nanoTime() : f) - s) / 1e6;
    }

    /** Nanoseconds between acceptance and finish; only meaningful once finished. */
    public long totalNanos() {
        return finishedNanos - submittedNanos;
    }

    /** In a fleet ({@code --redis}): the job's fleet-wide key, {@code INSTANCE:TICKET}; null otherwise. */
    public String fleetKey() {
        return fleetKey;
    }

    void fleetKey(String key) {
        this.fleetKey = key;
    }

    /**
     * Called when the job's end is reported by the instance of the fleet that ran it: done with
     * {@code r}, or failed with {@code error} (when {@code r} is null), after running {@code runNanos}
     * there. The start is placed {@code runNanos} before now (clocks of other machines are never read).
     */
    public void markFinishedElsewhere(JobResult r, String error, long runNanos) {
        long now = System.nanoTime();
        startedNanos = Math.max(submittedNanos, now - Math.max(0L, runNanos));
        finishedNanos = now;
        if (r != null) {
            result = r;
            state = State.DONE;
            outcome.complete(r);
        } else {
            this.error = error;
            state = State.FAILED;
            outcome.completeExceptionally(new IllegalStateException(error));
        }
    }

    /** Called by the worker as the job starts. */
    public void markRunning() {
        startedNanos = System.nanoTime();
        state = State.RUNNING;
    }

    /** Called by the worker when the work returned. */
    public void markDone(JobResult r) {
        finishedNanos = System.nanoTime();
        result = r;
        state = State.DONE;
        outcome.complete(r);
    }

    /** Called by the worker when the work threw. */
    public void markFailed(Throwable t) {
        finishedNanos = System.nanoTime();
        if (startedNanos == 0) {
            startedNanos = finishedNanos;
        }
        error = t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
        state = State.FAILED;
        outcome.completeExceptionally(t);
    }
}
