package dev.sluice.redis;

/**
 * A job that was given up on, as kept in the queue's dead-letter stream.
 *
 * @param id its id in the dead-letter stream
 * @param originalId its last id in the work stream
 * @param payload its payload's bytes, as submitted (not decoded: it may be what failed to decode)
 * @param attempts how many attempts it had
 * @param error the last error (exception class and message, or why it was given up)
 */
public record DeadLetter(String id, String originalId, byte[] payload, int attempts, String error) {
}
