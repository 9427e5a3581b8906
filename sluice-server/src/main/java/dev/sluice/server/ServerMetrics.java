package dev.sluice.server;

import dev.sluice.server.job.JobRunner;
import dev.sluice.server.stats.LiveStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.function.ToDoubleFunction;

/** The job server's own meters: request outcomes, the job runner's levels and counts, job latency. */
final class ServerMetrics {

    private final Timer jobLatency;

    ServerMetrics(MeterRegistry r, JobRunner runner, LiveStats stats) {
        outcome(r, "admitted", stats, LiveStats::admitted);
        outcome(r, "rate_limited", stats, LiveStats::rateLimited);
        outcome(r, "unavailable", stats, LiveStats::unavailable);
        outcome(r, "bad_request", stats, LiveStats::badRequest);
        outcome(r, "other", stats, LiveStats::other);
        Gauge.builder("sluice.server.jobs.queued", runner, x -> x.stats().queued())
                .description("jobs accepted and waiting to start").register(r);
        Gauge.builder("sluice.server.jobs.running", runner, x -> x.stats().running())
                .description("jobs running now").register(r);
        Gauge.builder("sluice.server.jobs.queue.capacity", runner, x -> x.stats().queueCapacity())
                .description("the job queue's capacity (-1: unbounded, naive mode)").register(r);
        Gauge.builder("sluice.server.jobs.limit", runner, x -> x.stats().limit())
                .description("the concurrency limit on jobs queued plus running (-1: none)").register(r);
        FunctionCounter.builder("sluice.server.jobs.accepted", runner, x -> x.stats().accepted()).register(r);
        FunctionCounter.builder("sluice.server.jobs.completed", runner, x -> x.stats().completed()).register(r);
        FunctionCounter.builder("sluice.server.jobs.failed", runner, x -> x.stats().failed()).register(r);
        this.jobLatency = Timer.builder("sluice.server.job.latency")
                .description("from acceptance to finish").publishPercentiles(0.5, 0.99).register(r);
    }

    private static void outcome(MeterRegistry r, String outcome, LiveStats stats, ToDoubleFunction<LiveStats> f) {
        FunctionCounter.builder("sluice.server.requests", stats, f).tag("outcome", outcome)
                .description("POST /jobs answers by outcome").register(r);
    }

    void recordJob(long nanos) {
        jobLatency.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
}
