package dev.sluice.spill;

import dev.sluice.SluiceException;

/**
 * The {@link SpillSerializer} failed. From a send: the item was not accepted (nothing else changed). From
 * a receive: the record was taken out of the channel and its stored bytes are in {@link #payload()}.
 */
public final class SpillSerializationException extends SluiceException {
    private static final long serialVersionUID = 1L;

    private final transient byte[] payload;

    public SpillSerializationException(String message, Throwable cause, byte[] payload) {
        super(message, cause);
        this.payload = payload;
    }

    /** The stored bytes the serializer could not read back; null for a failure while sending. */
    public byte[] payload() {
        return payload;
    }
}
