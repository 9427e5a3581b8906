package dev.sluice.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/** The three kinds of meter the binders register, with the shared naming and tagging in one place. */
final class Meters {

    private final MeterRegistry registry;
    private final Tags tags;

    Meters(MeterRegistry registry, Tags tags) {
        this.registry = registry;
        this.tags = tags;
    }

    /** A value read at each scrape (depth, limit, in flight). */
    <T> void gauge(String name, T source, ToDoubleFunction<T> value, String unit, String description) {
        Gauge.builder(name, source, value).tags(tags).baseUnit(unit).description(description)
                .strongReference(true).register(registry);
    }

    /** A monotonically growing total read from a stats snapshot. */
    <T> void counter(String name, T source, ToDoubleFunction<T> total, String unit, String description) {
        FunctionCounter.builder(name, source, total).tags(tags).baseUnit(unit).description(description)
                .register(registry);
    }

    /** Same as {@link #counter} with extra tags (e.g. a rejection's reason). */
    <T> void counter(String name, Tags extra, T source, ToDoubleFunction<T> total, String description) {
        FunctionCounter.builder(name, source, total).tags(tags.and(extra)).description(description)
                .register(registry);
    }

    /** A count of waits and their total time in nanoseconds, as a timer (count, sum, mean). */
    <T> void timer(String name, T source, ToLongFunction<T> count, ToDoubleFunction<T> totalNanos, String description) {
        FunctionTimer.builder(name, source, count, totalNanos, TimeUnit.NANOSECONDS).tags(tags)
                .description(description).register(registry);
    }

    static Tags named(String name, Iterable<io.micrometer.core.instrument.Tag> extra) {
        return Tags.of("name", name).and(extra);
    }
}
