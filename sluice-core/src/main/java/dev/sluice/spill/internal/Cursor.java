package dev.sluice.spill.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The durable read position: the segment and offset of the first record not yet received. Two 32-byte
 * slots written alternately, each {@code [generation][segment][offset][crc32c][pad]}, so a write torn by a
 * crash of the machine spoils at most the slot being written and the other still holds the previous
 * position. On open the valid slot with the higher generation wins.
 *
 * <p>The file is memory-mapped: recording a position is a store into the kernel's page cache, with no
 * system call, and a killed process cannot lose it (the pages belong to the kernel, not to the process).
 * Only {@link #force()} writes it to the device.
 */
final class Cursor implements Closeable {

    static final String FILE = "cursor";
    private static final int SLOT = 32;

    private final MappedByteBuffer map;
    private final byte[] slot = new byte[SLOT];
    private final CRC32C crc = new CRC32C();
    private long generation;
    /** The recovered position, or -1 if the directory had none. */
    final long segment;
    final long offset;

    private Cursor(MappedByteBuffer map, long generation, long segment, long offset) {
        this.map = map;
        this.generation = generation;
        this.segment = segment;
        this.offset = offset;
    }

    static Cursor open(Path dir) throws IOException {
        MappedByteBuffer map;
        boolean interrupted = Thread.interrupted(); // an interrupt would close the channel mid-call
        try (FileChannel ch = FileChannel.open(dir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            map = ch.map(FileChannel.MapMode.READ_WRITE, 0, 2 * SLOT); // grows the file if needed
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        long bestGen = 0;
        long seg = -1;
        long off = -1;
        byte[] b = new byte[SLOT];
        CRC32C c = new CRC32C();
        for (int i = 0; i < 2; i++) {
            map.get(i * SLOT, b);
            c.reset();
            c.update(b, 0, 24);
            long gen = map.getLong(i * SLOT);
            if ((int) c.getValue() == map.getInt(i * SLOT + 24) && gen > bestGen) {
                bestGen = gen;
                seg = map.getLong(i * SLOT + 8);
                off = map.getLong(i * SLOT + 16);
            }
        }
        return new Cursor(map, bestGen, seg, off);
    }

    /** Records the position in the page cache (kept across a kill of the process, not yet on the device). */
    void write(long seg, long off) {
        long gen = ++generation;
        int at = (int) (gen & 1) * SLOT;
        java.nio.ByteBuffer.wrap(slot).putLong(0, gen).putLong(8, seg).putLong(16, off);
        crc.reset();
        crc.update(slot, 0, 24);
        java.nio.ByteBuffer.wrap(slot).putInt(24, (int) crc.getValue());
        map.put(at, slot);
    }

    void force() throws IOException {
        try {
            map.force();
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public void close() {
        // A mapping lives until it is garbage-collected; there is nothing to close.
    }
}
