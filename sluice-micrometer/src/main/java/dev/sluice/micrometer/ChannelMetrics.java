package dev.sluice.micrometer;

import dev.sluice.channel.ChannelStats;
import dev.sluice.channel.SendPort;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Meters for one channel, read from its {@link ChannelStats} at each scrape, tagged {@code name} with the
 * channel's name:
 * <table class="striped">
 * <caption>Channel meters</caption>
 * <thead><tr><th>Meter</th><th>Kind</th><th>From</th></tr></thead>
 * <tbody>
 * <tr><td>{@code sluice.channel.depth}</td><td>gauge</td><td>items buffered now ({@code size})</td></tr>
 * <tr><td>{@code sluice.channel.capacity}</td><td>gauge</td><td>{@code capacity}</td></tr>
 * <tr><td>{@code sluice.channel.fill.ratio}</td><td>gauge</td><td>{@code size / capacity} (0 for a rendezvous channel)</td></tr>
 * <tr><td>{@code sluice.channel.high.water.mark}</td><td>gauge</td><td>{@code highWaterMark}</td></tr>
 * <tr><td>{@code sluice.channel.sent}, {@code .received}, {@code .dropped}, {@code .rejected}</td><td>counters</td>
 *     <td>the same-named totals</td></tr>
 * <tr><td>{@code sluice.channel.blocked}</td><td>function timer</td><td>count {@code blockedSends}, total time
 *     {@code blockedNanos}: how often and how long senders waited</td></tr>
 * </tbody>
 * </table>
 * Each meter reads a fresh snapshot (one short lock acquisition on the channel); meters hold the channel
 * strongly, so remove them from the registry to let it be collected.
 */
public final class ChannelMetrics implements MeterBinder {

    private final String name;
    private final Supplier<ChannelStats> stats;
    private final Iterable<Tag> tags;

    /** Meters for {@code channel} (any {@link dev.sluice.channel.Channel} is a send port), tagged with its name. */
    public ChannelMetrics(SendPort<?> channel) {
        this(channel.name(), channel::stats, Tags.empty());
    }

    /** Meters for whatever {@code stats} reads, tagged {@code name} and {@code tags}. */
    public ChannelMetrics(String name, Supplier<ChannelStats> stats, Iterable<Tag> tags) {
        this.name = Objects.requireNonNull(name, "name");
        this.stats = Objects.requireNonNull(stats, "stats");
        this.tags = Objects.requireNonNull(tags, "tags");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Meters m = new Meters(registry, Meters.named(name, tags));
        Supplier<ChannelStats> s = stats;
        m.gauge("sluice.channel.depth", s, x -> x.get().size(), null, "Items buffered in the channel now");
        m.gauge("sluice.channel.capacity", s, x -> x.get().capacity(), null, "The channel's capacity");
        m.gauge("sluice.channel.fill.ratio", s, x -> {
            ChannelStats c = x.get();
            return c.capacity() == 0 ? 0.0 : (double) c.size() / c.capacity();
        }, null, "Buffered items over capacity, 0 to 1");
        m.gauge("sluice.channel.high.water.mark", s, x -> x.get().highWaterMark(), null, "The most items ever buffered");
        m.counter("sluice.channel.sent", s, x -> x.get().sent(), null, "Items accepted by the channel");
        m.counter("sluice.channel.received", s, x -> x.get().received(), null, "Items taken out by receivers");
        m.counter("sluice.channel.dropped", s, x -> x.get().dropped(), null, "Items discarded by a drop overflow policy");
        m.counter("sluice.channel.rejected", s, x -> x.get().rejected(), null, "Offers refused because the channel was full");
        m.timer("sluice.channel.blocked", s, x -> x.get().blockedSends(), x -> x.get().blockedNanos(),
                "Sends that waited for room, and the time they waited");
    }
}
