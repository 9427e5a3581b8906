package dev.sluice.spill;

import dev.sluice.channel.Channel;
import dev.sluice.channel.Overflow;
import dev.sluice.spill.internal.SpillChannelImpl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Configures a {@link SpillChannel}. Not thread-safe. The directory and the serializer must be set;
 * the defaults are: 1,024 items in memory, a disk quota of 1 GiB in segments of 64 MiB, senders block when
 * the quota is used ({@link Overflow#BLOCK}), and {@code fsync} on.
 *
 * @param <T> the item type
 */
public final class SpillChannelBuilder<T> {

    /** The smallest segment accepted: room for the segment header and a few small records. */
    public static final long MIN_SEGMENT_SIZE = 64;

    private static final AtomicLong NAMES = new AtomicLong();

    private Path directory;
    private SpillSerializer<T> serializer;
    private int memoryCapacity = 1024;
    private long diskQuota = 1L << 30;
    private long segmentSize = 64L << 20;
    private Overflow whenDiskFull = Overflow.BLOCK;
    private boolean fsync = true;
    private String name;

    SpillChannelBuilder() { }

    /** The directory for the segment files; created if missing. Items found there are recovered. */
    public SpillChannelBuilder<T> directory(Path directory) {
        this.directory = Objects.requireNonNull(directory, "directory");
        return this;
    }

    /** How items become bytes and back; see {@link SpillSerializer}. */
    public SpillChannelBuilder<T> serializer(SpillSerializer<T> serializer) {
        this.serializer = Objects.requireNonNull(serializer, "serializer");
        return this;
    }

    /**
     * Items kept in memory, from 0 (every item goes through the disk) to {@value Channel#MAX_CAPACITY}.
     *
     * @throws IllegalArgumentException if out of range
     */
    public SpillChannelBuilder<T> memoryCapacity(int items) {
        if (items < 0 || items > Channel.MAX_CAPACITY) {
            throw new IllegalArgumentException("memoryCapacity must be between 0 and " + Channel.MAX_CAPACITY
                    + ", got " + items);
        }
        this.memoryCapacity = items;
        return this;
    }

    /**
     * The most bytes the segment files may occupy together; at least one segment.
     *
     * @throws IllegalArgumentException if not positive
     */
    public SpillChannelBuilder<T> diskQuota(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("diskQuota must be positive, got " + bytes);
        }
        this.diskQuota = bytes;
        return this;
    }

    /**
     * The size at which a segment file is closed and a new one started; also bounds one item's serialized
     * size (the segment size less 20 bytes of headers). Space is freed a segment at a time, so smaller
     * segments give space back sooner, larger ones mean fewer files.
     *
     * @throws IllegalArgumentException if below {@link #MIN_SEGMENT_SIZE}
     */
    public SpillChannelBuilder<T> segmentSize(long bytes) {
        if (bytes < MIN_SEGMENT_SIZE) {
            throw new IllegalArgumentException("segmentSize must be at least " + MIN_SEGMENT_SIZE + " bytes, got " + bytes);
        }
        this.segmentSize = bytes;
        return this;
    }

    /**
     * What a send does once memory is full and the disk quota is used: {@link Overflow#BLOCK} waits for
     * a receiver to free space, {@link Overflow#REJECT} throws {@link dev.sluice.channel.ChannelFullException}.
     *
     * @throws IllegalArgumentException for the dropping policies, which would lose items
     */
    public SpillChannelBuilder<T> whenDiskFull(Overflow policy) {
        Objects.requireNonNull(policy, "policy");
        if (policy != Overflow.BLOCK && policy != Overflow.REJECT) {
            throw new IllegalArgumentException("whenDiskFull must be BLOCK or REJECT; " + policy
                    + " would drop items, and a spill channel is for items that must not be lost");
        }
        this.whenDiskFull = policy;
        return this;
    }

    /**
     * True (the default): every item is written and forced to disk before its send returns, so it survives
     * a crash. False: only spilled items are written, without forcing. See {@link SpillChannel}.
     */
    public SpillChannelBuilder<T> fsync(boolean fsync) {
        this.fsync = fsync;
        return this;
    }

    /** A name for messages. */
    public SpillChannelBuilder<T> name(String name) {
        this.name = Objects.requireNonNull(name, "name");
        return this;
    }

    /**
     * Opens the directory (creating it if needed), recovers the items it holds, and returns the channel.
     *
     * @throws IllegalStateException    if the directory or serializer was not set, the quota is smaller than
     *                                  a segment, or the directory is open in another channel or process
     * @throws IllegalArgumentException if the path exists and is not a directory
     * @throws SpillStorageException    if the directory cannot be created, written or read
     */
    public SpillChannel<T> build() {
        if (directory == null) {
            throw new IllegalStateException("directory was not set: a spill channel needs a directory for its segment files");
        }
        if (serializer == null) {
            throw new IllegalStateException("serializer was not set: a spill channel writes items as bytes");
        }
        if (diskQuota < segmentSize) {
            throw new IllegalStateException("diskQuota (" + diskQuota + " bytes) is smaller than one segment ("
                    + segmentSize + " bytes): raise the quota or lower segmentSize");
        }
        if (Files.exists(directory) && !Files.isDirectory(directory)) {
            throw new IllegalArgumentException("spill directory " + directory + " exists and is not a directory");
        }
        String n = name != null ? name : "spill-" + NAMES.incrementAndGet();
        try {
            Files.createDirectories(directory);
            return new SpillChannelImpl<>(directory, serializer, memoryCapacity, diskQuota, segmentSize, whenDiskFull,
                    fsync, n);
        } catch (IOException e) {
            throw new SpillStorageException("cannot use " + directory + " as a spill directory: " + e, e);
        }
    }
}
