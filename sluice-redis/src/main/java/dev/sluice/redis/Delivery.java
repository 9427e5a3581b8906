package dev.sluice.redis;

/**
 * One delivery of a job to a worker.
 *
 * @param id the stream entry's id (a job given back after a failure or an abort is re-added under a new id)
 * @param payload the decoded payload
 * @param attempt 1 for the first delivery; more after failures and after reclaims from lost holders
 * @param <T> the payload type
 */
public record Delivery<T>(String id, T payload, int attempt) {
}
