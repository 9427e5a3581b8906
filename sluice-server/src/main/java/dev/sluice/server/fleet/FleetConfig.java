package dev.sluice.server.fleet;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How a job server joins a fleet on one Redis ({@code ./sluice serve --redis URL}): the server's job
 * queue becomes a {@link dev.sluice.redis.RedisWorkQueue} shared by every instance with the same
 * {@code queue} name, and its rate limits become {@link dev.sluice.redis.RedisTokenBucket}s shared the
 * same way. Every instance of one fleet must be given the same values.
 *
 * @param uri               the Redis server, {@code redis://host:port} (optionally {@code rediss://}, a
 *                          password and a database number, as Lettuce reads them)
 * @param queue             the fleet's name: the queue's and the buckets' key prefix in Redis
 * @param capacity          the fleet-wide bound on jobs accepted and not yet finished (waiting plus running,
 *                          summed over every instance); a submit that finds it reached waits at most the wait
 *                          budget, then gets 503
 * @param visibilityTimeout how long a job held by an instance that stopped renewing it (crashed, stalled,
 *                          cut off) stays invisible before another instance reclaims and runs it again
 */
public record FleetConfig(String uri, String queue, int capacity, Duration visibilityTimeout) {

    public FleetConfig {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
        checkUri(uri);
        if (queue.isEmpty() || queue.length() > 100 || !queue.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("redis queue name must be 1-100 letters, digits, '.', '_' or '-', got '"
                    + queue + "'");
        }
        if (capacity < 1 || capacity > 10_000_000) {
            throw new IllegalArgumentException("redis capacity must be between 1 and 10000000, got " + capacity);
        }
        if (visibilityTimeout.compareTo(Duration.ofMillis(100)) < 0 || visibilityTimeout.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("redis visibility timeout must be between 100ms and 1h, got "
                    + visibilityTimeout.toMillis() + "ms");
        }
    }

    /** The defaults, on {@code uri}: queue {@code sluice-jobs}, capacity 64, visibility timeout 30 s. */
    public static FleetConfig of(String uri) {
        return new FleetConfig(uri, "sluice-jobs", 64, Duration.ofSeconds(30));
    }

    /**
     * Checks a Redis URL's shape before anything connects, so that a typo is a clear usage error rather
     * than a stack trace from the client library.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static void checkUri(String uri) {
        URI u;
        try {
            u = new URI(uri.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + uri + "' is not a Redis URL: " + e.getReason()
                    + " (expected redis://HOST:PORT, e.g. redis://127.0.0.1:6379)");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("redis") && !scheme.equals("rediss")) {
            throw new IllegalArgumentException("'" + uri + "' is not a Redis URL: it must start with redis:// or rediss:// "
                    + "(e.g. redis://127.0.0.1:6379)");
        }
        if (u.getHost() == null || u.getHost().isEmpty()) {
            throw new IllegalArgumentException("'" + uri + "' has no host (or a malformed one): expected redis://HOST:PORT, "
                    + "e.g. redis://127.0.0.1:6379");
        }
        if (u.getPort() == 0 || u.getPort() > 65_535 || (u.getPort() < 0 && u.getRawAuthority().matches(".*:[^\\]]*$"))) {
            throw new IllegalArgumentException("'" + uri + "' has an invalid port: expected 1-65535, e.g. redis://127.0.0.1:6379");
        }
        String path = u.getPath() == null ? "" : u.getPath();
        if (!path.isEmpty() && !path.matches("/\\d{0,5}")) {
            throw new IllegalArgumentException("'" + uri + "': the path must be empty or a database number, e.g. redis://127.0.0.1:6379/0");
        }
    }
}
