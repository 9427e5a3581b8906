package dev.sluice.channel.stress;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One bit per item id, set atomically: a bounded-memory record (n / 8 bytes) of which items something
 * happened to, that reports a second marking of the same item.
 */
final class ItemLedger {

    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] words;
    private final int size;

    ItemLedger(int size) {
        this.size = size;
        this.words = new long[(size + 63) >>> 6];
    }

    /** Marks {@code id}; returns false if it was already marked. */
    boolean mark(int id) {
        long bit = 1L << id;
        long before = (long) WORDS.getAndBitwiseOr(words, id >>> 6, bit);
        return (before & bit) == 0;
    }

    boolean isMarked(int id) {
        return ((long) WORDS.getVolatile(words, id >>> 6) & (1L << id)) != 0;
    }

    int size() {
        return size;
    }

    /** Marked ids in [from, to). */
    int count(int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            if (isMarked(i)) {
                n++;
            }
        }
        return n;
    }
}
