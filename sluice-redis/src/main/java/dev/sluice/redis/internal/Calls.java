package dev.sluice.redis.internal;

import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import dev.sluice.redis.RedisUnavailableException;
import io.lettuce.core.RedisCommandExecutionException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * Waiting for a Redis reply with a bound: the backend's command timeout, shortened to the caller's
 * context deadline. Connection failures, timeouts and transient server states (loading the data set
 * after a restart, a busy script) become {@link RedisUnavailableException} and are counted; other
 * server errors are bugs and become {@link IllegalStateException}.
 */
public final class Calls {
    private final long commandTimeoutNanos;
    private final LongAdder unavailable = new LongAdder();

    public Calls(long commandTimeoutNanos) {
        this.commandTimeoutNanos = commandTimeoutNanos;
    }

    public long commandTimeoutNanos() {
        return commandTimeoutNanos;
    }

    public long unavailableCount() {
        return unavailable.sum();
    }

    /**
     * Waits for {@code f} at most the command timeout or the context's remaining time, whichever is less.
     * An interrupt ends the wait with {@link InterruptedException}; the command is not cancelled.
     */
    public <T> T await(CompletableFuture<T> f, Context context, String what) throws InterruptedException {
        long remaining = context.hasDeadline() ? context.remainingNanos() : Long.MAX_VALUE;
        boolean contextBinds = remaining < commandTimeoutNanos;
        long wait = Math.min(remaining, commandTimeoutNanos);
        try {
            return f.get(Math.max(wait, 0L), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            // Not cancelled: the command may still run on the server, and a caller that must undo its
            // effect (a permit granted too late) attaches to the future's completion.
            if (contextBinds) {
                throw new DeadlineExceededException(what + ": the context's deadline passed while waiting for Redis");
            }
            throw unavailable(what + ": no reply from Redis within " + TimeUnit.NANOSECONDS.toMillis(commandTimeoutNanos) + " ms", e);
        } catch (ExecutionException e) {
            throw classify(what, e.getCause() == null ? e : e.getCause());
        }
    }

    /**
     * As {@link #await(CompletableFuture, Context, String)} with no context, for the never-blocking
     * methods that cannot throw {@link InterruptedException}: an interrupt does not cut the (bounded) wait
     * short, and the interrupt status is set again afterwards.
     */
    public <T> T awaitUninterruptibly(CompletableFuture<T> f, String what) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return await(f, Context.background(), what);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A failure as the exception the caller should see, counting it if Redis is unavailable. */
    public RuntimeException classify(String what, Throwable cause) {
        if (cause instanceof RedisUnavailableException u) {
            return u;
        }
        if (cause instanceof RedisCommandExecutionException x && !isTransient(x.getMessage())) {
            return new IllegalStateException(what + ": Redis refused the command: " + x.getMessage(), x);
        }
        return unavailable(what + ": Redis is unavailable (" + cause + ")", cause);
    }

    public RedisUnavailableException unavailable(String message, Throwable cause) {
        unavailable.increment();
        return new RedisUnavailableException(message, cause);
    }

    private static boolean isTransient(String message) {
        String m = String.valueOf(message);
        return m.startsWith("LOADING") || m.startsWith("BUSY") || m.startsWith("MASTERDOWN")
                || m.startsWith("TRYAGAIN") || m.startsWith("CLUSTERDOWN") || m.startsWith("OOM") || m.startsWith("READONLY");
    }
}
