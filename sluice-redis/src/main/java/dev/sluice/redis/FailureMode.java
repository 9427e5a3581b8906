package dev.sluice.redis;

/**
 * What a Redis-backed limiter does when Redis cannot be reached or does not answer in time.
 * Either way the failure is counted ({@link RedisBackend#unavailableCount()} and the limiter's own
 * counter) and no call waits past its context's deadline or the backend's command timeout.
 */
public enum FailureMode {
    /**
     * Refuse (the default): a non-blocking acquire returns false or null, a blocking one throws
     * {@link RedisUnavailableException}. Safe for limits that protect something that must not be
     * overrun, at the cost of availability while Redis is down.
     */
    FAIL_CLOSED,
    /**
     * Fall back to a local, in-process limit given to the builder: each instance then enforces its own
     * share, so the fleet's total is the sum of the local limits while Redis is down.
     */
    FAIL_OPEN
}
