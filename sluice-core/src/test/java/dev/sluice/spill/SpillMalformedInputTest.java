package dev.sluice.spill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.Context;
import dev.sluice.channel.Overflow;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad configuration, bad items and serializers that fail: a clear error, and nothing accepted is lost. */
@Timeout(30)
class SpillMalformedInputTest {

    @TempDir
    Path dir;

    private final List<SpillChannel<?>> open = new ArrayList<>();

    @AfterEach
    void releaseAll() {
        open.forEach(SpillChannel::release);
    }

    private <T> SpillChannel<T> track(SpillChannel<T> ch) {
        open.add(ch);
        return ch;
    }

    @Test
    void builderRefusesMissingOrInvalidSettings() {
        assertThatThrownBy(() -> SpillChannel.<Long>builder().serializer(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("serializer");
        assertThatThrownBy(() -> SpillChannel.<Long>builder().directory(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> SpillChannel.<Long>builder().directory(dir).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("serializer was not set");
        assertThatThrownBy(() -> SpillChannel.<Long>builder().serializer(Spills.longs(8)).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("directory was not set");
        assertThatThrownBy(() -> Spills.longs(dir, 1, false).segmentSize(4096).diskQuota(4095).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("smaller than one segment");
        assertThatThrownBy(() -> SpillChannel.<Long>builder().segmentSize(63)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SpillChannel.<Long>builder().diskQuota(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SpillChannel.<Long>builder().memoryCapacity(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SpillChannel.<Long>builder().memoryCapacity(1_000_001)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SpillChannel.<Long>builder().whenDiskFull(Overflow.DROP_OLDEST))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be lost");
        assertThatThrownBy(() -> SpillChannel.<Long>builder().whenDiskFull(Overflow.DROP_NEWEST))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFileWhereTheDirectoryShouldBeIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        assertThatThrownBy(() -> Spills.longs(file, 1, false).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a directory");
        assertThatThrownBy(() -> Spills.longs(file.resolve("below"), 1, false).build())
                .isInstanceOf(SpillStorageException.class).hasMessageContaining("cannot use");
    }

    @Test
    void anUnwritableDirectoryIsRefusedWithAStorageError() {
        // /proc refuses new files even to root, which ignores permission bits.
        Path proc = Path.of("/proc");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(proc), "needs Linux /proc");
        assertThatThrownBy(() -> Spills.longs(proc, 1, false).build())
                .isInstanceOf(SpillStorageException.class).hasMessageContaining("/proc");
    }

    @Test
    void nullItemsTimeoutsAndContextsAreRefused() {
        SpillChannel<Long> ch = track(Spills.longs(dir, 1, false).build());
        assertThatThrownBy(() -> ch.send(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ch.trySend(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ch.send(1L, (Duration) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ch.send(1L, (Context) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ch.receive((Context) null)).isInstanceOf(NullPointerException.class);
        assertThat(ch.size()).isZero();
    }

    /** Fails on items equal to -1. */
    private static SpillSerializer<Long> failingOnMinusOne() {
        SpillSerializer<Long> inner = Spills.longs(8);
        return new SpillSerializer<>() {
            @Override
            public byte[] toBytes(Long item) {
                if (item == -1L) {
                    throw new IllegalArgumentException("cannot write -1");
                }
                if (item == -2L) {
                    return null;
                }
                return inner.toBytes(item);
            }

            @Override
            public Long fromBytes(byte[] bytes) {
                long v = inner.fromBytes(bytes);
                if (v == 13L) {
                    throw new IllegalStateException("unlucky");
                }
                return v;
            }
        };
    }

    @ParameterizedTest(name = "fsync {0}")
    @ValueSource(booleans = {false, true})
    void aSerializerThatThrowsFailsTheSendAndLosesNothingAlreadyAccepted(boolean fsync) throws Exception {
        SpillChannel<Long> ch = track(SpillChannel.<Long>builder().directory(dir).serializer(failingOnMinusOne())
                .memoryCapacity(2).fsync(fsync).build());
        for (long i = 0; i < 5; i++) {
            ch.send(i); // 0 and 1 in memory, 2..4 on disk
        }
        SpillSerializationException e = catchThrowableOfType(SpillSerializationException.class, () -> ch.send(-1L));
        assertThat(e).hasMessageContaining("not accepted").hasCauseInstanceOf(IllegalArgumentException.class);
        assertThat(e.payload()).isNull();
        assertThatThrownBy(() -> ch.send(-2L)).isInstanceOf(SpillSerializationException.class)
                .hasMessageContaining("returned null");
        ch.send(5L);
        assertThat(ch.stats().sent()).isEqualTo(6);
        ch.close();
        assertThat(ch.stream().toList()).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void aRecordTheSerializerCannotReadBackIsHandedOutAsBytesAndTheNextOneStillComes() throws Exception {
        SpillChannel<Long> ch = track(SpillChannel.<Long>builder().directory(dir).serializer(failingOnMinusOne())
                .memoryCapacity(0).fsync(false).build());
        ch.send(12L);
        ch.send(13L);
        ch.send(14L);
        assertThat(ch.receive()).isEqualTo(12L);
        SpillSerializationException e = catchThrowableOfType(SpillSerializationException.class, ch::receive);
        assertThat(e).hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("payload()");
        assertThat(ByteBuffer.wrap(e.payload()).getLong()).isEqualTo(13L);
        assertThat(ch.receive()).isEqualTo(14L);
        assertThat(ch.size()).isZero();
    }

    @Test
    void anItemLargerThanASegmentIsRefusedAndNotAccepted() throws Exception {
        SpillChannel<byte[]> ch = track(SpillChannel.<byte[]>builder().directory(dir).serializer(SpillSerializer.bytes())
                .memoryCapacity(0).segmentSize(128).diskQuota(1024).build());
        assertThatThrownBy(() -> ch.send(new byte[109])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not fit in a segment (at most 108)");
        ch.send(new byte[108]);
        assertThat(ch.receive()).hasSize(108);
        assertThat(ch.stats().sent()).isEqualTo(1);
    }
}
