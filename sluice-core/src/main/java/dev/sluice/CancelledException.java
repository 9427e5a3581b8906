package dev.sluice;

/**
 * Thrown when an operation ends because its {@link Context} (or an ancestor) was cancelled. The reason
 * passed to {@link CancellableContext#cancel(Throwable)}, if any, is this exception's cause.
 */
public final class CancelledException extends ContextDoneException {
    private static final long serialVersionUID = 1L;

    public CancelledException(String message) {
        super(message, null);
    }

    public CancelledException(String message, Throwable reason) {
        super(message, reason);
    }
}
