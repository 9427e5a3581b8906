package dev.sluice.redis;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Function;

/**
 * Turns a job's payload into bytes for the stream and back. {@link #decode} may throw any runtime
 * exception on bytes it cannot read: the worker then moves the item to the dead-letter stream at once,
 * with the exception as its error (retrying cannot fix malformed input), and goes on.
 *
 * @param <T> the payload type
 */
public interface Codec<T> {

    /** The payload's bytes; must not return null. */
    byte[] encode(T value);

    /** The payload read back from {@code bytes}; throws on malformed input. */
    T decode(byte[] bytes);

    /** Bytes as they are. */
    static Codec<byte[]> bytes() {
        return of(b -> b, b -> b);
    }

    /** Strings as UTF-8. Decoding is lenient (malformed sequences become U+FFFD), as in {@code new String}. */
    static Codec<String> utf8() {
        return of(s -> s.getBytes(StandardCharsets.UTF_8), b -> new String(b, StandardCharsets.UTF_8));
    }

    /** A codec from two functions. */
    static <T> Codec<T> of(Function<? super T, byte[]> encode, Function<byte[], ? extends T> decode) {
        Objects.requireNonNull(encode, "encode");
        Objects.requireNonNull(decode, "decode");
        return new Codec<>() {
            @Override
            public byte[] encode(T value) {
                return encode.apply(value);
            }

            @Override
            public T decode(byte[] bytes) {
                return decode.apply(bytes);
            }
        };
    }
}
