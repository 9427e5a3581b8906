package dev.sluice.pubsub;

import java.util.Objects;

/**
 * An item of a {@link RecentLog} and its sequence number: the n-th item appended has sequence n - 1.
 *
 * @param sequence the item's position in the log since it was created, from 0
 * @param value    the item, never null
 * @param <T>      the item type
 */
public record Sequenced<T>(long sequence, T value) {
    public Sequenced {
        if (sequence < 0) {
            throw new IllegalArgumentException("sequence must be >= 0, got " + sequence);
        }
        Objects.requireNonNull(value, "value");
    }
}
