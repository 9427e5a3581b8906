package dev.sluice;

/**
 * The root of every exception sluice throws. All of them are unchecked: the only checked exception a
 * sluice call declares is {@link InterruptedException}, from operations that block.
 */
public abstract class SluiceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    protected SluiceException(String message) {
        super(message);
    }

    protected SluiceException(String message, Throwable cause) {
        super(message, cause);
    }

    /** With {@code writableStackTrace} false the exception records no stack trace (see {@link BusyException}). */
    protected SluiceException(String message, Throwable cause, boolean writableStackTrace) {
        super(message, cause, true, writableStackTrace);
    }
}
