package dev.sluice.server.job;

import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The jobs {@code GET /jobs/{id}} can report: every job still queued or running, and the newest
 * {@code finishedKept} finished ones. When a job finishes beyond that bound, the oldest finished job is
 * forgotten; its id then reports {@link Lookup.Evicted}, distinct from an id never issued. Unfinished
 * jobs are bounded by the worker pool (its workers plus its queue), so the table is bounded too; in a
 * fleet ({@link RedisJobRunner}) by the jobs awaiting their report, which that runner caps.
 *
 * <p>Lookups never block. Adding and finishing take a short lock (no I/O, no callbacks under it).
 * A job added after it already finished (a fast job can finish before its submitter adds it) counts as
 * finished at once.
 */
public final class JobTable {

    /** What a lookup found. */
    public sealed interface Lookup {
        record Found(JobRecord job) implements Lookup { }
        record Evicted(long id) implements Lookup { }
        record Unknown(long id) implements Lookup { }
    }

    private final int finishedKept;
    private final ConcurrentHashMap<Long, JobRecord> jobs = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<JobRecord> finished; // oldest first; guarded by lock
    private long nextId = 1; // guarded by lock
    private volatile long issued; // ids below issued + 1 were handed out

    public JobTable(int finishedKept) {
        if (finishedKept < 1) {
            throw new IllegalArgumentException("finishedKept must be at least 1, got " + finishedKept);
        }
        this.finishedKept = finishedKept;
        this.finished = new ArrayDeque<>(Math.min(finishedKept, 1 << 16));
    }

    /** Gives {@code job} the next id and makes it visible to lookups; returns the id. */
    public long add(JobRecord job) {
        lock.lock();
        try {
            long id = nextId++;
            job.assignId(id);
            jobs.put(id, job);
            issued = id;
            if (job.isFinished()) {
                retire(job);
            }
            return id;
        } finally {
            lock.unlock();
        }
    }

    /** Called once a job has finished: it now counts against the finished bound. */
    public void finished(JobRecord job) {
        lock.lock();
        try {
            if (job.id() > 0 && !job.retired) {
                retire(job);
            }
        } finally {
            lock.unlock();
        }
    }

    private void retire(JobRecord job) {
        job.retired = true;
        finished.addLast(job);
        while (finished.size() > finishedKept) {
            JobRecord old = finished.removeFirst();
            jobs.remove(old.id(), old);
        }
    }

    public Lookup find(long id) {
        JobRecord j = jobs.get(id);
        if (j != null) {
            return new Lookup.Found(j);
        }
        return id >= 1 && id <= issued ? new Lookup.Evicted(id) : new Lookup.Unknown(id);
    }

    /** How many jobs the table holds now, finished or not. */
    public int size() {
        return jobs.size();
    }

    public int finishedKept() {
        return finishedKept;
    }

    /** Any job, for tests and diagnostics. */
    public Optional<JobRecord> get(long id) {
        return Optional.ofNullable(jobs.get(id));
    }
}
