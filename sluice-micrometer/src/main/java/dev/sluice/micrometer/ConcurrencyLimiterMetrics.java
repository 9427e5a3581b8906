package dev.sluice.micrometer;

import dev.sluice.limit.ConcurrencyLimiter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * Gauges for one {@link ConcurrencyLimiter}, tagged {@code name}: {@code sluice.limiter.limit} (the
 * current, possibly adaptive, limit), {@code sluice.limiter.in.flight} and {@code sluice.limiter.waiting}.
 * Meters hold the limiter strongly.
 */
public final class ConcurrencyLimiterMetrics implements MeterBinder {

    private final ConcurrencyLimiter limiter;
    private final Iterable<Tag> tags;

    public ConcurrencyLimiterMetrics(ConcurrencyLimiter limiter) {
        this(limiter, Tags.empty());
    }

    public ConcurrencyLimiterMetrics(ConcurrencyLimiter limiter, Iterable<Tag> tags) {
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.tags = Objects.requireNonNull(tags, "tags");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Meters m = new Meters(registry, Meters.named(limiter.name(), tags));
        m.gauge("sluice.limiter.limit", limiter, ConcurrencyLimiter::limit, null, "The concurrency limit now");
        m.gauge("sluice.limiter.in.flight", limiter, ConcurrencyLimiter::inflight, null, "Units held by unreleased permits");
        m.gauge("sluice.limiter.waiting", limiter, ConcurrencyLimiter::waiting, null, "Callers waiting for a permit");
    }
}
