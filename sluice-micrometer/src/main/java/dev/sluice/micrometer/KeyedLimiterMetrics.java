package dev.sluice.micrometer;

import dev.sluice.limit.KeyedLimiter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * Meters for one {@link KeyedLimiter}'s table, tagged {@code name}: gauges {@code sluice.keyed.keys} (entries
 * now) and {@code sluice.keyed.max.keys} (the bound), counter {@code sluice.keyed.evictions}. Meters hold the
 * limiter strongly.
 */
public final class KeyedLimiterMetrics implements MeterBinder {

    private final String name;
    private final KeyedLimiter<?> limiter;
    private final Iterable<Tag> tags;

    public KeyedLimiterMetrics(String name, KeyedLimiter<?> limiter) {
        this(name, limiter, Tags.empty());
    }

    public KeyedLimiterMetrics(String name, KeyedLimiter<?> limiter, Iterable<Tag> tags) {
        this.name = Objects.requireNonNull(name, "name");
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.tags = Objects.requireNonNull(tags, "tags");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Meters m = new Meters(registry, Meters.named(name, tags));
        m.gauge("sluice.keyed.keys", limiter, KeyedLimiter::size, null, "Keys in the table now");
        m.gauge("sluice.keyed.max.keys", limiter, KeyedLimiter::maxKeys, null, "The bound on the table");
        m.counter("sluice.keyed.evictions", limiter, KeyedLimiter::evictions, null, "Entries evicted or expired");
    }
}
