package dev.sluice.http.internal;

/**
 * An answer given by admission control itself instead of running the request.
 *
 * @param status            the HTTP status
 * @param retryAfterSeconds the {@code Retry-After} value in whole seconds, or 0 for none
 * @param message           a one-line plain-text body saying what was wrong
 * @param closeConnection   true when the request body was not read to its end, so the connection cannot be reused
 */
public record Rejection(int status, long retryAfterSeconds, String message, boolean closeConnection) {
}
