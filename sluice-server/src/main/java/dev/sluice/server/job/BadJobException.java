package dev.sluice.server.job;

/** A request body that does not describe a job; its message says what is wrong, for the 400 answer. */
public final class BadJobException extends Exception {
    private static final long serialVersionUID = 1L;

    public BadJobException(String message) {
        super(message);
    }
}
