package dev.sluice.spill;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged directories: torn tails, flipped bits, lost cursors. Never a crash; damage is counted; every
 * intact record is delivered.
 */
@Timeout(60)
class SpillRecoveryTest {

    /** Segment header 8 bytes; each 8-byte item takes a 12-byte record header. */
    private static final int REC = 20;

    @TempDir
    Path tmp;

    /** Writes items 0..n-1 to disk in {@code dir} (nothing in memory) and releases the channel. */
    private static void write(Path dir, int n, long segmentSize) throws Exception {
        SpillChannel<Long> ch = Spills.longs(dir, 0, false).segmentSize(segmentSize).diskQuota(1 << 20).build();
        for (long i = 0; i < n; i++) {
            ch.send(i);
        }
        ch.release();
    }

    private static List<Long> drain(Path dir, long[] corrupt) throws Exception {
        SpillChannel<Long> ch = Spills.longs(dir, 0, false).segmentSize(4096).diskQuota(1 << 20).build();
        try {
            ch.close();
            List<Long> got = ch.stream().toList();
            corrupt[0] = ch.spillStats().corruptRecordsSkipped();
            return got;
        } finally {
            ch.release();
        }
    }

    private static List<Path> segments(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("segment-")).sorted().toList();
        }
    }

    private static List<Long> range(long from, long to) {
        return LongStream.range(from, to).boxed().toList();
    }

    private static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (!p.getFileName().toString().equals("lock")) {
                    Files.copy(p, to.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return to;
    }

    private static void flip(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x10);
        }
    }

    @Test
    void aTailTornAtAnyByteOfTheLastRecordIsSkippedAndCountedAndEveryCompleteRecordIsDelivered() throws Exception {
        Path original = tmp.resolve("original");
        int n = 10;
        write(original, n, 4096);
        Path seg = segments(original).get(0);
        long size = Files.size(seg);
        assertThat(size).isEqualTo(8 + (long) n * REC);
        long lastStart = size - REC;
        for (long cut = lastStart; cut <= size; cut++) {
            Path d = copy(original, tmp.resolve("cut-" + cut));
            try (RandomAccessFile f = new RandomAccessFile(segments(d).get(0).toFile(), "rw")) {
                f.setLength(cut);
            }
            long[] corrupt = new long[1];
            List<Long> got = drain(d, corrupt);
            boolean torn = cut > lastStart && cut < size;
            assertThat(got).as("cut at %d", cut).containsExactlyElementsOf(range(0, cut == size ? n : n - 1));
            assertThat(corrupt[0]).as("cut at %d", cut).isEqualTo(torn ? 1 : 0);
        }
    }

    @Test
    void aTornTailInAnEarlierSegmentLosesOnlyThatRecordAndReadingGoesOnInTheNextSegment() throws Exception {
        Path d = tmp.resolve("d");
        write(d, 30, 8 + 10 * REC); // three segments of ten records
        List<Path> segs = segments(d);
        assertThat(segs).hasSize(3);
        try (RandomAccessFile f = new RandomAccessFile(segs.get(0).toFile(), "rw")) {
            f.setLength(f.length() - 5);
        }
        long[] corrupt = new long[1];
        List<Long> expected = new ArrayList<>(range(0, 9));
        expected.addAll(range(10, 30));
        assertThat(drain(d, corrupt)).containsExactlyElementsOf(expected);
        assertThat(corrupt[0]).isEqualTo(1);
    }

    @Test
    void aFlippedBitInAPayloadSkipsOnlyThatRecord() throws Exception {
        Path d = tmp.resolve("d");
        write(d, 20, 4096);
        flip(segments(d).get(0), 8 + 7L * REC + 12 + 3); // payload of item 7
        long[] corrupt = new long[1];
        List<Long> expected = new ArrayList<>(range(0, 7));
        expected.addAll(range(8, 20));
        assertThat(drain(d, corrupt)).containsExactlyElementsOf(expected);
        assertThat(corrupt[0]).isEqualTo(1);
    }

    @Test
    void aFlippedBitInARecordHeaderSkipsToTheNextSegmentBoundary() throws Exception {
        Path d = tmp.resolve("d");
        write(d, 30, 8 + 10 * REC);
        flip(segments(d).get(1), 8 + 4L * REC + 1); // length of item 14, in the second segment
        long[] corrupt = new long[1];
        List<Long> expected = new ArrayList<>(range(0, 14));
        expected.addAll(range(20, 30));
        assertThat(drain(d, corrupt)).containsExactlyElementsOf(expected);
        assertThat(corrupt[0]).isEqualTo(1);
    }

    @Test
    void aDamagedSegmentHeaderSkipsThatSegment() throws Exception {
        Path d = tmp.resolve("d");
        write(d, 30, 8 + 10 * REC);
        flip(segments(d).get(0), 2);
        long[] corrupt = new long[1];
        assertThat(drain(d, corrupt)).containsExactlyElementsOf(range(10, 30));
        assertThat(corrupt[0]).isEqualTo(1);
    }

    @Test
    void theReadPositionSurvivesReopeningAndConsumedSegmentsAreGone() throws Exception {
        Path d = tmp.resolve("d");
        write(d, 30, 8 + 10 * REC);
        SpillChannel<Long> ch = Spills.longs(d, 0, false).build();
        for (long i = 0; i < 15; i++) {
            assertThat(ch.receive()).isEqualTo(i);
        }
        ch.release();
        assertThat(segments(d)).hasSize(2);
        long[] corrupt = new long[1];
        assertThat(drain(d, corrupt)).containsExactlyElementsOf(range(15, 30));
        assertThat(corrupt[0]).isZero();
        assertThat(drain(d, corrupt)).as("nothing comes back twice").isEmpty();
    }

    @Test
    void aTornLatestCursorSlotFallsBackToThePreviousPosition() throws Exception {
        Path d = tmp.resolve("d");
        write(d, 10, 4096);
        SpillChannel<Long> ch = Spills.longs(d, 0, false).build();
        assertThat(ch.receive()).isEqualTo(0L); // cursor generation 1, slot 1
        assertThat(ch.receive()).isEqualTo(1L); // cursor generation 2, slot 0
        ch.release();
        flip(d.resolve("cursor"), 10); // damage slot 0, the newer one
        long[] corrupt = new long[1];
        assertThat(drain(d, corrupt)).as("one receive is undone, nothing is lost")
                .containsExactlyElementsOf(range(1, 10));
    }

    @Test
    void aMissingCursorStartsFromTheOldestSegment() throws Exception {
        Path d = tmp.resolve("d");
        write(d, 10, 4096);
        Files.delete(d.resolve("cursor"));
        long[] corrupt = new long[1];
        assertThat(drain(d, corrupt)).containsExactlyElementsOf(range(0, 10));
    }

    @Test
    void strayAndEmptyFilesDoNotBreakOpening() throws Exception {
        Path d = tmp.resolve("d");
        write(d, 5, 4096);
        Files.writeString(d.resolve("notes.txt"), "not a segment");
        Files.createFile(d.resolve(String.format("segment-%020d.log", 99)));
        long[] corrupt = new long[1];
        assertThat(drain(d, corrupt)).containsExactlyElementsOf(range(0, 5));
        assertThat(corrupt[0]).as("an empty segment (a crash right after creating it) is not damage").isZero();
    }
}
