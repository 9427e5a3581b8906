package dev.sluice.spill;

import java.nio.charset.StandardCharsets;

/**
 * Turns items into the bytes a {@link SpillChannel} writes to its segment files, and back. Called without
 * any channel lock held: {@link #toBytes} on the sending thread, {@link #fromBytes} on the receiving
 * thread. Must be thread-safe if the channel has several senders or receivers.
 *
 * <p>If {@code toBytes} throws, the send fails with {@link SpillSerializationException} and the item is
 * not accepted; nothing already in the channel is affected. If {@code fromBytes} throws, the receive fails
 * with {@link SpillSerializationException} carrying the record's raw bytes
 * ({@link SpillSerializationException#payload()}): the record counts as received (it is the caller's
 * now, in raw form), so one unreadable record cannot block the channel.
 *
 * @param <T> the item type
 */
public interface SpillSerializer<T> {

    /** The bytes to store for {@code item}; never null. The array is not modified or kept afterwards. */
    byte[] toBytes(T item);

    /** The item stored as {@code bytes}; never null. The array is the caller's to keep. */
    T fromBytes(byte[] bytes);

    /** Strings as UTF-8. */
    static SpillSerializer<String> utf8() {
        return new SpillSerializer<>() {
            @Override
            public byte[] toBytes(String item) {
                return item.getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public String fromBytes(byte[] bytes) {
                return new String(bytes, StandardCharsets.UTF_8);
            }
        };
    }

    /** Byte arrays as themselves (copied, so that the caller may reuse its array after a send). */
    static SpillSerializer<byte[]> bytes() {
        return new SpillSerializer<>() {
            @Override
            public byte[] toBytes(byte[] item) {
                return item.clone();
            }

            @Override
            public byte[] fromBytes(byte[] bytes) {
                return bytes;
            }
        };
    }
}
