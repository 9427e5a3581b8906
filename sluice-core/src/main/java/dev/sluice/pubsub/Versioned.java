package dev.sluice.pubsub;

import java.util.Objects;

/**
 * A value and the version it was written at. Versions of one {@link Latest} start at 1 and go up by one
 * with each {@code set}.
 *
 * @param version the version, at least 1
 * @param value   the value, never null
 * @param <T>     the value type
 */
public record Versioned<T>(long version, T value) {
    public Versioned {
        if (version < 1) {
            throw new IllegalArgumentException("version must be >= 1, got " + version);
        }
        Objects.requireNonNull(value, "value");
    }
}
