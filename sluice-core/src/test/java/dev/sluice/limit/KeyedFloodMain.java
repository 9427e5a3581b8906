package dev.sluice.limit;

import java.time.Duration;

/**
 * Run in a forked JVM with a small heap by {@link KeyedLimiterTest}: floods a keyed limiter with distinct
 * keys and prints "size maxKeys heapUsedAfterGcBytes". Exits with 1 on an OutOfMemoryError.
 */
public final class KeyedFloodMain {

    private KeyedFloodMain() { }

    public static void main(String[] args) {
        int keys = Integer.parseInt(args[0]);
        int maxKeys = Integer.parseInt(args[1]);
        try {
            KeyedLimiter<String> limiter = KeyedLimiter.<String>builder().maxKeys(maxKeys)
                    .tokenBucket(10, Duration.ofSeconds(1), 10).build();
            int maxSize = 0;
            for (int i = 0; i < keys; i++) {
                limiter.tryAcquire("client-" + i);
                if ((i & 4095) == 0) {
                    maxSize = Math.max(maxSize, limiter.size());
                }
            }
            maxSize = Math.max(maxSize, limiter.size());
            System.gc();
            Runtime rt = Runtime.getRuntime();
            long used = rt.totalMemory() - rt.freeMemory();
            System.out.println(maxSize + " " + limiter.maxKeys() + " " + used);
        } catch (OutOfMemoryError e) {
            System.out.println("OOM");
            System.exit(1);
        }
    }
}
