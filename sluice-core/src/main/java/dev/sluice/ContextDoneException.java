package dev.sluice;

/**
 * Thrown when an operation ends because its {@link Context} is done. There are exactly two kinds:
 * {@link DeadlineExceededException} (the deadline passed) and {@link CancelledException} (someone
 * cancelled the context or one of its ancestors). Catch this type to handle both alike.
 */
public abstract sealed class ContextDoneException extends SluiceException
        permits DeadlineExceededException, CancelledException {
    private static final long serialVersionUID = 1L;

    ContextDoneException(String message, Throwable cause) {
        super(message, cause);
    }
}
