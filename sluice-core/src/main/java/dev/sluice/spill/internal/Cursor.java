package dev.sluice.spill.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The durable read position: the segment and offset of the first record not yet received. Two 32-byte
 * slots written alternately, each {@code [generation][segment][offset][crc32c][pad]}, so a write torn by a
 * crash spoils at most the slot being written and the other still holds the previous position. On open
 * the valid slot with the higher generation wins.
 */
final class Cursor implements Closeable {

    static final String FILE = "cursor";
    private static final int SLOT = 32;

    private final RandomAccessFile ch;
    private final ByteBuffer buf = ByteBuffer.allocate(SLOT);
    private final CRC32C crc = new CRC32C();
    private long generation;
    /** The recovered position, or -1 if the directory had none. */
    final long segment;
    final long offset;

    private Cursor(RandomAccessFile ch, long generation, long segment, long offset) {
        this.ch = ch;
        this.generation = generation;
        this.segment = segment;
        this.offset = offset;
    }

    static Cursor open(Path dir) throws IOException {
        // RandomAccessFile rather than FileChannel: an interrupt closes a FileChannel in the middle of I/O.
        RandomAccessFile ch = new RandomAccessFile(dir.resolve(FILE).toFile(), "rw");
        long bestGen = 0;
        long seg = -1;
        long off = -1;
        ByteBuffer b = ByteBuffer.allocate(SLOT);
        CRC32C c = new CRC32C();
        for (int slot = 0; slot < 2; slot++) {
            if (ch.length() < (slot + 1L) * SLOT) {
                continue;
            }
            ch.seek((long) slot * SLOT);
            ch.readFully(b.array());
            c.reset();
            c.update(b.array(), 0, 24);
            long gen = b.getLong(0);
            if ((int) c.getValue() == b.getInt(24) && gen > bestGen) {
                bestGen = gen;
                seg = b.getLong(8);
                off = b.getLong(16);
            }
        }
        return new Cursor(ch, bestGen, seg, off);
    }

    /** Records the position; a positional write, so it reaches the kernel before this returns. */
    void write(long seg, long off) throws IOException {
        long gen = ++generation;
        buf.clear();
        buf.putLong(gen).putLong(seg).putLong(off);
        crc.reset();
        crc.update(buf.array(), 0, 24);
        buf.putInt((int) crc.getValue()).putInt(0);
        ch.seek((gen & 1) * SLOT);
        ch.write(buf.array(), 0, SLOT);
    }

    void force() throws IOException {
        ch.getFD().sync();
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
