package dev.sluice.micrometer;

import dev.sluice.pool.PoolStats;
import dev.sluice.pool.WorkerPool;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * Meters for one {@link WorkerPool}, read from its {@link PoolStats} at each scrape, tagged {@code name}:
 * gauges {@code sluice.pool.queue.depth}, {@code sluice.pool.queue.capacity}, {@code sluice.pool.in.flight},
 * {@code sluice.pool.running}, {@code sluice.pool.workers}, {@code sluice.pool.shedding} (1 while shedding);
 * counters {@code sluice.pool.submitted}, {@code .accepted}, {@code .rejected}, {@code .completed},
 * {@code .failed}, {@code .cancelled}, {@code .abandoned}; and {@code sluice.pool.submit.blocked.time}, the
 * total seconds submitters spent waiting for queue room. Meters hold the pool strongly.
 */
public final class WorkerPoolMetrics implements MeterBinder {

    private final WorkerPool pool;
    private final Iterable<Tag> tags;

    public WorkerPoolMetrics(WorkerPool pool) {
        this(pool, Tags.empty());
    }

    public WorkerPoolMetrics(WorkerPool pool, Iterable<Tag> tags) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.tags = Objects.requireNonNull(tags, "tags");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Meters m = new Meters(registry, Meters.named(pool.name(), tags));
        WorkerPool p = pool;
        m.gauge("sluice.pool.queue.depth", p, x -> x.stats().queueDepth(), null, "Jobs waiting in the queue now");
        m.gauge("sluice.pool.queue.capacity", p, WorkerPool::queueCapacity, null, "The queue's capacity");
        m.gauge("sluice.pool.in.flight", p, x -> x.stats().inFlight(), null, "Accepted jobs not finished yet");
        m.gauge("sluice.pool.running", p, x -> x.stats().running(), null, "Jobs running now");
        m.gauge("sluice.pool.workers", p, WorkerPool::workers, null, "Worker threads");
        m.gauge("sluice.pool.shedding", p, x -> x.stats().shedding() ? 1 : 0, null, "1 while the pool sheds load");
        m.counter("sluice.pool.submitted", p, x -> x.stats().submitted(), null, "Submit calls that passed argument checks");
        m.counter("sluice.pool.accepted", p, x -> x.stats().accepted(), null, "Jobs taken into the queue");
        m.counter("sluice.pool.rejected", p, x -> x.stats().rejected(), null, "Submits refused for overload");
        m.counter("sluice.pool.completed", p, x -> x.stats().completed(), null, "Jobs that ran and returned");
        m.counter("sluice.pool.failed", p, x -> x.stats().failed(), null, "Jobs that ran and threw");
        m.counter("sluice.pool.cancelled", p, x -> x.stats().cancelled(), null, "Accepted jobs cancelled before they ran");
        m.counter("sluice.pool.abandoned", p, x -> x.stats().abandoned(), null, "Accepted jobs handed back by abort()");
        m.counter("sluice.pool.submit.blocked.time", p, x -> x.stats().blockedNanos() / 1e9, "seconds",
                "Total time submitters waited for room in the queue");
    }
}
