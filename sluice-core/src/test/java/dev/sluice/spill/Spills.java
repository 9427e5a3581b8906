package dev.sluice.spill;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/** Builders and serializers shared by the spill tests. */
final class Spills {

    private Spills() { }

    /** Longs as 8 bytes, padded to {@code size} bytes so that tests control record sizes. */
    static SpillSerializer<Long> longs(int size) {
        return new SpillSerializer<>() {
            @Override
            public byte[] toBytes(Long item) {
                return ByteBuffer.allocate(Math.max(8, size)).putLong(item).array();
            }

            @Override
            public Long fromBytes(byte[] bytes) {
                return ByteBuffer.wrap(bytes).getLong();
            }
        };
    }

    static SpillChannelBuilder<Long> longs(Path dir, int memory, boolean fsync) {
        return SpillChannel.<Long>builder().directory(dir).serializer(longs(8)).memoryCapacity(memory).fsync(fsync)
                .segmentSize(4096).diskQuota(1 << 20);
    }

    /** Bytes one record of a {@code payload}-byte item takes in a segment. */
    static long recordBytes(int payload) {
        return 12 + payload;
    }
}
