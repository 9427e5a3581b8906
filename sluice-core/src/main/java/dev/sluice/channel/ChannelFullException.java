package dev.sluice.channel;

import dev.sluice.SluiceException;

/** Thrown by {@code send} on a full channel whose policy is {@link Overflow#REJECT}; the item was not enqueued. */
public final class ChannelFullException extends SluiceException {
    private static final long serialVersionUID = 1L;

    public ChannelFullException(String message) {
        super(message);
    }
}
