package dev.sluice.spill.internal;

import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The on-disk part of a spill channel: an append-only sequence of segment files with one read position.
 * Not thread-safe: every method but {@link #sync} is called under the channel's lock; {@code sync} runs
 * outside it, so that an {@code fsync} does not stall receivers, and concurrent senders share one.
 */
final class SegmentLog implements Closeable {
    /*
     * Format
     *
     * A segment file "segment-<20-digit id>.log" starts with an 8-byte header: the magic "SLSP" and the
     * format version. Records follow, each [int length][int crc32c(payload)][int crc32c(first 8 bytes)]
     * [payload], big-endian. The header checksum makes the length trustworthy: a record whose header
     * checks but whose payload does not is skipped alone; a record whose header is damaged, or whose
     * length runs past the end of the file (a torn write), ends the readable part of its segment, since
     * nothing after it can be located. Segments are only appended to by the process that created them;
     * segments found at open are read-only, and writing continues in a new segment.
     *
     * A segment is deleted once the read position has moved past its end (or, for the segment being
     * written, when it is full and fully consumed and the writer moves to the next one), so the files
     * on disk are always the unconsumed suffix of the log plus at most the consumed head of the segments
     * the reader is in.
     */

    static final int SEGMENT_HEADER = 8;
    static final int RECORD_HEADER = 12;
    private static final int MAGIC = 0x534C5350; // "SLSP"
    private static final int VERSION = 1;
    private static final int READ_BUFFER = 64 * 1024;
    private static final Pattern NAME = Pattern.compile("segment-(\\d{20})\\.log");

    static final class Segment {
        final long id;
        final Path path;
        long size;
        /** A write failed and could not be undone: append no more here. */
        boolean broken;
        RandomAccessFile reader;

        Segment(long id, Path path, long size) {
            this.id = id;
            this.path = path;
            this.size = size;
        }
    }

    /** What {@link #parse} found at a position. */
    private enum Kind { END, HEADER_OK, VALID, SKIP_RECORD, SKIP_REST }

    private final Path dir;
    private final long segmentSize;
    private final long quota;
    private final boolean fsync;
    private final int maxPayload;
    private final FileChannel lockFile;
    /** Held for as long as {@link #lockFile} is open. */
    private final FileLock dirLock;
    final Cursor cursor;

    private final ArrayDeque<Segment> segments = new ArrayDeque<>();
    private final long lastIdAtOpen;
    private long nextId;
    private Segment writeSeg;
    private volatile RandomAccessFile writeCh;
    /** Where writeCh's file pointer is, or -1 if unknown. */
    private long writePointer = -1;
    private Segment readSeg;
    private long readOff;
    private long used;

    private volatile long appended;
    private volatile long synced;
    private final ReentrantLock syncLock = new ReentrantLock();
    private long fsyncs;

    private final CRC32C crc = new CRC32C();
    private final byte[] readBuf = new byte[READ_BUFFER];
    private Segment bufSeg;
    private long bufStart;
    private int bufLen;
    private final byte[] header = new byte[RECORD_HEADER];
    private ByteBuffer writeBuf = ByteBuffer.allocate(4096);

    // parse() results
    private Kind kind;
    private long next;
    private byte[] payload;

    long recovered;
    long corruptRecords;
    long corruptBytes;

    SegmentLog(Path dir, long segmentSize, long quota, boolean fsync) throws IOException {
        this.dir = dir;
        this.segmentSize = segmentSize;
        this.quota = quota;
        this.fsync = fsync;
        this.maxPayload = maxPayload(segmentSize);
        this.lockFile = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        boolean interrupted = Thread.interrupted(); // an interrupt would close the lock's FileChannel mid-call
        try {
            l = lockFile.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (l == null) {
            lockFile.close();
            throw new IllegalStateException("spill directory " + dir + " is already open (in this process or another)");
        }
        this.dirLock = l;
        Cursor c = null;
        try {
            c = Cursor.open(dir);
            this.cursor = c;
            this.lastIdAtOpen = recover(c);
        } catch (IOException | RuntimeException e) {
            if (c != null) {
                c.close();
            }
            lockFile.close(); // releases the lock
            throw e;
        }
        this.nextId = Math.max(lastIdAtOpen, cursor.segment) + 1;
    }

    static int maxPayload(long segmentSize) {
        return (int) Math.min(Integer.MAX_VALUE - 64, segmentSize - SEGMENT_HEADER - RECORD_HEADER);
    }

    /** Deletes consumed segments, positions the reader at the cursor, and counts what is left. */
    private long recover(Cursor c) throws IOException {
        List<Long> ids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "segment-*.log")) {
            for (Path p : ds) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches()) {
                    ids.add(Long.parseLong(m.group(1)));
                }
            }
        }
        Collections.sort(ids);
        long last = ids.isEmpty() ? 0 : ids.get(ids.size() - 1);
        for (long id : ids) {
            Path p = segmentPath(id);
            if (c.segment >= 0 && id < c.segment) {
                Files.deleteIfExists(p); // consumed; its deletion was cut short
            } else {
                Segment s = new Segment(id, p, Files.size(p));
                segments.addLast(s);
                used += s.size;
            }
        }
        readSeg = segments.peekFirst();
        readOff = 0;
        if (readSeg != null && readSeg.id == c.segment) {
            readOff = Math.min(Math.max(c.offset, 0), readSeg.size);
        }
        // Count the readable records left, with the same rules the reader applies later.
        Segment first = readSeg;
        long leadingEmpty = 0;
        boolean foundRecord = false;
        for (Segment seg : segments) {
            long off = seg == first ? readOff : 0;
            long valid = 0;
            while (true) {
                parse(seg, off);
                if (kind == Kind.END) {
                    break;
                }
                if (kind == Kind.VALID) {
                    valid++;
                } else if (kind != Kind.HEADER_OK) {
                    corruptRecords++;
                    corruptBytes += next - off;
                }
                off = next;
            }
            closeReader(seg);
            recovered += valid;
            if (valid == 0 && !foundRecord) {
                leadingEmpty++;
            } else {
                foundRecord = true;
            }
        }
        payload = null;
        // Segments before the first readable record hold nothing for anyone: free their space now.
        for (long i = 0; i < leadingEmpty; i++) {
            dropReadSegment();
        }
        return last;
    }

    private Path segmentPath(long id) {
        return dir.resolve(String.format("segment-%020d.log", id));
    }

    // ------------------------------------------------------------------ writing

    int maxPayload() {
        return maxPayload;
    }

    /** True if a record of {@code len} payload bytes fits within the quota now. */
    boolean canAppend(int len) {
        long rec = RECORD_HEADER + (long) len;
        if (writeSeg != null && !writeSeg.broken && writeSeg.size + rec <= segmentSize) {
            return used + rec <= quota;
        }
        long freed = writeSeg != null && readSeg == writeSeg && readOff >= writeSeg.size ? writeSeg.size : 0;
        return used - freed + SEGMENT_HEADER + rec <= quota;
    }

    /**
     * Appends a record (the caller checked {@link #canAppend}) and returns the offset just past it in
     * {@link #writeSegmentId()}. On failure nothing was appended.
     */
    long append(byte[] data) throws IOException {
        int rec = RECORD_HEADER + data.length;
        if (writeSeg == null || writeSeg.broken || writeSeg.size + rec > segmentSize) {
            roll();
        }
        if (writeBuf.capacity() < rec) {
            writeBuf = ByteBuffer.allocate(Math.max(rec, writeBuf.capacity() * 2));
        }
        ByteBuffer b = writeBuf;
        b.clear();
        crc.reset();
        crc.update(data);
        b.putInt(data.length).putInt((int) crc.getValue());
        crc.reset();
        crc.update(b.array(), 0, 8);
        b.putInt((int) crc.getValue()).put(data).flip();
        try {
            if (writePointer != writeSeg.size) {
                writeCh.seek(writeSeg.size); // a system call: appends in a row need none
            }
            writePointer = -1;
            writeCh.write(b.array(), 0, b.limit());
            writePointer = writeSeg.size + rec;
        } catch (IOException e) {
            try {
                writeCh.setLength(writeSeg.size);
            } catch (IOException again) {
                e.addSuppressed(again);
                writeSeg.broken = true;
            }
            throw e;
        }
        writeSeg.size += rec;
        used += rec;
        appended += rec;
        return writeSeg.size;
    }

    long writeSegmentId() {
        return writeSeg.id;
    }

    /** Bytes appended so far by this process: the argument for {@link #sync}. */
    long appendedBytes() {
        return appended;
    }

    private void roll() throws IOException {
        Segment old = writeSeg;
        if (old != null) {
            closeWriter();
        }
        long id = nextId++;
        Path p = segmentPath(id);
        Files.createFile(p);
        RandomAccessFile ch = new RandomAccessFile(p.toFile(), "rw");
        try {
            ch.write(ByteBuffer.allocate(SEGMENT_HEADER).putInt(MAGIC).putInt(VERSION).array());
            if (fsync) {
                ch.getFD().sync();
                forceDirectory();
            }
        } catch (IOException e) {
            ch.close();
            Files.deleteIfExists(p);
            writeSeg = null;
            throw e;
        }
        Segment s = new Segment(id, p, SEGMENT_HEADER);
        writePointer = SEGMENT_HEADER;
        segments.addLast(s);
        used += SEGMENT_HEADER;
        writeSeg = s;
        writeCh = ch;
        if (readSeg == null) {
            readSeg = s;
            readOff = 0;
        } else if (readSeg == old && readOff >= old.size) {
            dropReadSegment();
        }
    }

    /** Forces (if fsync is on) and closes the write segment's file, excluding concurrent {@link #sync} calls. */
    private void closeWriter() throws IOException {
        syncLock.lock();
        try {
            if (fsync && synced < appended) {
                writeCh.getFD().sync();
                fsyncs++;
                synced = appended;
            }
            writeCh.close();
            writeCh = null;
        } finally {
            syncLock.unlock();
        }
    }

    /**
     * Once the reader has caught up with the writer, deletes the write segment if it is at least half
     * full, so that a drained channel does not keep up to a segment of consumed records on disk; the
     * next append starts a new segment.
     */
    void reclaimIfDrained() throws IOException {
        if (writeSeg != null && readSeg == writeSeg && readOff >= writeSeg.size && writeSeg.size >= segmentSize / 2) {
            closeWriter();
            writeSeg = null;
            dropReadSegment();
        }
    }

    /**
     * Forces the directory entry of a new segment. A FileChannel is the only way to fsync a directory, and
     * an interrupt closes it mid-call, so the interrupt flag is set aside for the call and restored.
     */
    private void forceDirectory() throws IOException {
        boolean interrupted = Thread.interrupted();
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Makes everything appended up to {@code upTo} durable, sharing the {@code fsync} with concurrent
     * callers. Called without the channel's lock.
     */
    void sync(long upTo) throws IOException {
        if (synced >= upTo) {
            return;
        }
        syncLock.lock();
        try {
            if (synced >= upTo) {
                return;
            }
            long target = appended; // every byte counted here has been written
            RandomAccessFile ch = writeCh;
            if (ch == null) {
                throw new IOException("the spill log was closed");
            }
            ch.getFD().sync();
            fsyncs++;
            synced = Math.max(synced, target);
        } finally {
            syncLock.unlock();
        }
    }

    long fsyncs() {
        syncLock.lock();
        try {
            return fsyncs;
        } finally {
            syncLock.unlock();
        }
    }

    // ------------------------------------------------------------------ reading

    /**
     * The payload of the next readable record, moving the read position past it (and past any damaged
     * records before it, which are counted if this process wrote them; the ones found at open were
     * counted then); null if the reader has caught up with the writer.
     */
    byte[] readNext() throws IOException {
        while (readSeg != null) {
            parse(readSeg, readOff);
            switch (kind) {
                case END -> {
                    if (readSeg == writeSeg || segments.size() == 1) {
                        return null;
                    }
                    dropReadSegment();
                }
                case VALID -> {
                    readOff = next;
                    byte[] p = payload;
                    payload = null;
                    return p;
                }
                case HEADER_OK -> readOff = next;
                default -> {
                    if (readSeg.id > lastIdAtOpen) {
                        corruptRecords++;
                        corruptBytes += next - readOff;
                    }
                    readOff = next;
                }
            }
        }
        return null;
    }

    /** Moves the read position to just past a record the caller knows is next (a durable memory copy). */
    void advanceTo(long segId, long off) {
        while (readSeg != null && readSeg.id < segId) {
            dropReadSegment();
        }
        readOff = off;
    }

    long readSegmentId() {
        return readSeg == null ? nextId : readSeg.id;
    }

    long readOffset() {
        return readSeg == null ? 0 : readOff;
    }

    private void dropReadSegment() {
        Segment s = segments.pollFirst();
        closeReader(s);
        try {
            Files.deleteIfExists(s.path);
        } catch (IOException e) {
            // Stays on disk; it is below the cursor, so the next open deletes it.
        }
        used -= s.size;
        readSeg = segments.peekFirst();
        readOff = 0;
    }

    private void closeReader(Segment s) {
        if (bufSeg == s) {
            bufSeg = null;
        }
        if (s.reader != null) {
            try {
                s.reader.close();
            } catch (IOException ignored) {
                // read-only handle
            }
            s.reader = null;
        }
    }

    private void parse(Segment s, long off) throws IOException {
        long size = s.size;
        if (off >= size) {
            kind = Kind.END;
            return;
        }
        if (off == 0) {
            if (size >= SEGMENT_HEADER) {
                read(s, 0, header, SEGMENT_HEADER);
                ByteBuffer h = ByteBuffer.wrap(header);
                if (h.getInt(0) == MAGIC && h.getInt(4) == VERSION) {
                    kind = Kind.HEADER_OK;
                    next = SEGMENT_HEADER;
                    return;
                }
            }
            skipRest(size);
            return;
        }
        if (size - off < RECORD_HEADER) {
            skipRest(size);
            return;
        }
        read(s, off, header, RECORD_HEADER);
        ByteBuffer h = ByteBuffer.wrap(header);
        int len = h.getInt(0);
        crc.reset();
        crc.update(header, 0, 8);
        if ((int) crc.getValue() != h.getInt(8) || len < 0 || len > maxPayload || off + RECORD_HEADER + len > size) {
            skipRest(size);
            return;
        }
        byte[] p = new byte[len];
        read(s, off + RECORD_HEADER, p, len);
        crc.reset();
        crc.update(p);
        next = off + RECORD_HEADER + len;
        if ((int) crc.getValue() != h.getInt(4)) {
            kind = Kind.SKIP_RECORD;
            return;
        }
        kind = Kind.VALID;
        payload = p;
    }

    private void skipRest(long size) {
        kind = Kind.SKIP_REST;
        next = size;
    }

    private void read(Segment s, long off, byte[] dst, int len) throws IOException {
        if (s.reader == null) {
            s.reader = new RandomAccessFile(s.path.toFile(), "r");
        }
        if (len > READ_BUFFER) {
            s.reader.seek(off);
            s.reader.readFully(dst, 0, len);
            return;
        }
        if (bufSeg != s || off < bufStart || off + len > bufStart + bufLen) {
            bufSeg = null;
            int n = (int) Math.min(READ_BUFFER, s.size - off);
            s.reader.seek(off);
            s.reader.readFully(readBuf, 0, n);
            bufSeg = s;
            bufStart = off;
            bufLen = n;
        }
        System.arraycopy(readBuf, (int) (off - bufStart), dst, 0, len);
    }

    // ------------------------------------------------------------------ accounting and closing

    long usedBytes() {
        return used;
    }

    int segmentCount() {
        return segments.size();
    }

    /** Forces data (if fsync is on) and closes every file. Idempotent. */
    @Override
    public void close() throws IOException {
        IOException first = null;
        syncLock.lock();
        try {
            if (writeCh != null) {
                try {
                    if (fsync && synced < appended) {
                        writeCh.getFD().sync();
                        fsyncs++;
                        synced = appended;
                    }
                } catch (IOException e) {
                    first = e;
                }
                writeCh.close();
                writeCh = null;
            }
        } finally {
            syncLock.unlock();
        }
        for (Segment s : segments) {
            closeReader(s);
        }
        try {
            if (fsync) {
                cursor.force();
            }
        } catch (IOException e) {
            first = first == null ? e : first;
        }
        cursor.close();
        lockFile.close(); // releases the directory lock; unlike FileLock.release(), not undone by an interrupt
        if (first != null) {
            throw first;
        }
    }
}
