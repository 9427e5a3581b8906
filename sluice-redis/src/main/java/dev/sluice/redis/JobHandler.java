package dev.sluice.redis;

/**
 * Runs one job taken from a {@link RedisWorkQueue}. Returning normally acknowledges the job (it is then
 * removed for good); throwing counts a failed attempt and gives the job back to the queue, or, after the
 * queue's {@linkplain RedisWorkQueue.Builder#maxAttempts maximum}, moves it to the dead-letter stream with
 * the exception as its error. A handler may be interrupted by {@link RedisWorker#abort()}; its job is
 * then given back for another worker.
 *
 * <p>Delivery is at-least-once: make handlers idempotent (see {@link RedisWorkQueue} for exactly when a
 * job runs twice).
 *
 * @param <T> the payload type
 */
@FunctionalInterface
public interface JobHandler<T> {
    void handle(Delivery<T> delivery) throws Exception;
}
