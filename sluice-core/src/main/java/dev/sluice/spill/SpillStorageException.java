package dev.sluice.spill;

import dev.sluice.SluiceException;
import java.io.IOException;

/**
 * Reading or writing the spill directory failed (the cause is the {@link IOException}). Thrown by
 * {@code build()} when the directory cannot be used, and by operations whose disk I/O failed. A failed
 * write leaves the item not accepted. A failed {@code fsync} is not retried (after one, the kernel may have
 * dropped the dirty pages): the channel is then failed, and whether that send's item survives a crash is
 * unknown.
 */
public final class SpillStorageException extends SluiceException {
    private static final long serialVersionUID = 1L;

    public SpillStorageException(String message, IOException cause) {
        super(message, cause);
    }
}
