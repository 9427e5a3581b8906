package dev.sluice.micrometer;

import dev.sluice.limit.TokenBucket;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * Gauges for one {@link TokenBucket} (which has no name of its own, so one is given), tagged {@code name}:
 * {@code sluice.bucket.available.tokens}, {@code sluice.bucket.burst} and {@code sluice.bucket.rate}
 * (tokens per second). Reading them takes no tokens. Meters hold the bucket strongly.
 */
public final class TokenBucketMetrics implements MeterBinder {

    private final String name;
    private final TokenBucket bucket;
    private final Iterable<Tag> tags;

    public TokenBucketMetrics(String name, TokenBucket bucket) {
        this(name, bucket, Tags.empty());
    }

    public TokenBucketMetrics(String name, TokenBucket bucket, Iterable<Tag> tags) {
        this.name = Objects.requireNonNull(name, "name");
        this.bucket = Objects.requireNonNull(bucket, "bucket");
        this.tags = Objects.requireNonNull(tags, "tags");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Meters m = new Meters(registry, Meters.named(name, tags));
        m.gauge("sluice.bucket.available.tokens", bucket, TokenBucket::availableTokens, null, "Tokens available now");
        m.gauge("sluice.bucket.burst", bucket, TokenBucket::burst, null, "The most tokens the bucket holds");
        m.gauge("sluice.bucket.rate", bucket, b -> 1e9 / b.nanosPerToken(), null, "Tokens refilled per second");
    }
}
