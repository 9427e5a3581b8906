package dev.sluice.redis.testing;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waiting for a condition with a deadline instead of sleeping; and the check that no thread was left behind. */
public final class Poll {
    private Poll() { }

    public static void until(String what, Duration deadline, BooleanSupplier condition) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out after " + deadline + " waiting until " + what);
            }
            LockSupport.parkNanos(1_000_000L);
        }
    }

    /** Fails unless every platform thread whose name starts with {@code prefix} ends within 10 s. */
    public static void noThreadsLeft(String prefix) {
        until("no thread named " + prefix + "* is alive", Duration.ofSeconds(10),
                () -> Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.isAlive() && t.getName().startsWith(prefix)));
    }
}
