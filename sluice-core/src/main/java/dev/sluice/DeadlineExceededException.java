package dev.sluice;

/** Thrown when an operation ends because its {@link Context}'s deadline passed before it could complete. */
public final class DeadlineExceededException extends ContextDoneException {
    private static final long serialVersionUID = 1L;

    public DeadlineExceededException(String message) {
        super(message, null);
    }
}
