package dev.sluice.channel;

import dev.sluice.Context;
import dev.sluice.channel.internal.SelectImpl;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Waits on several channel operations at once and performs exactly one, as Go's {@code select}.
 *
 * <pre>{@code
 * String r = Select.select(
 *         jobs.onReceive(job -> "got " + job),
 *         results.onSend(last, () -> "sent"),
 *         Select.onTimeout(Duration.ofSeconds(1), () -> "idle"),
 *         Select.onDone(ctx, () -> "cancelled"));
 * boolean sent = Select.selectOrElse(() -> false, out.onSend(x, () -> true));   // Go's default
 * }</pre>
 *
 * <p>Readiness: a receive clause is ready when an item is buffered or a sender is waiting, or when the
 * channel is closed and drained; a send clause when the buffer has room or a receiver is waiting, or when
 * the channel is closed. A send clause never drops or rejects, whatever the channel's {@link Overflow}
 * policy. A timeout clause is ready once its duration (counted from the start of the select) has
 * passed; a done clause once its context is done.
 *
 * <p>Choice: when several clauses are ready, one is chosen uniformly at random, so no clause starves
 * another. Exactly one clause's operation is performed, and then its function runs on the calling
 * thread, outside any channel lock. A chosen clause on a closed channel throws
 * {@link ChannelClosedException} and its function is not called.
 *
 * <p>Blocking: {@link #select} waits until a clause is ready and throws {@link InterruptedException} if
 * interrupted while waiting (an operation that completed at that moment still counts, with the interrupt
 * flag kept). {@link #selectOrElse} never waits.
 *
 * <p>Memory consistency effects: as for the individual operations; the chosen clause's function runs
 * after its operation, so it sees everything that happened before the matching send.
 */
public final class Select {

    private Select() { }

    /**
     * Waits until one of {@code clauses} can proceed, performs it, and returns its function's result.
     *
     * @throws IllegalArgumentException if there are no clauses
     * @throws ChannelClosedException   if the chosen clause's channel is closed (drained, for a receive)
     * @throws InterruptedException     if interrupted while waiting
     */
    @SafeVarargs
    public static <R> R select(Clause<? extends R>... clauses) throws InterruptedException {
        return SelectImpl.select(clauses, null);
    }

    /**
     * Performs one of {@code clauses} if one can proceed now; otherwise returns {@code otherwise.get()}
     * (Go's {@code default}). Never waits; a timeout clause counts as ready only if its duration is zero.
     */
    @SafeVarargs
    public static <R> R selectOrElse(Supplier<? extends R> otherwise, Clause<? extends R>... clauses) {
        java.util.Objects.requireNonNull(otherwise, "otherwise");
        try {
            return SelectImpl.select(clauses, otherwise);
        } catch (InterruptedException impossible) {
            throw new AssertionError("a select with a default never waits", impossible);
        }
    }

    /** A clause that is chosen when {@code timeout} has passed since the select started, returning {@code then.get()}. */
    public static <R> Clause<R> onTimeout(Duration timeout, Supplier<? extends R> then) {
        return SelectImpl.timeout(timeout, then);
    }

    /** A clause that is chosen once {@code context} is done (deadline or cancellation), returning {@code then.get()}. */
    public static <R> Clause<R> onDone(Context context, Supplier<? extends R> then) {
        return SelectImpl.done(context, then);
    }
}
