package dev.sluice.retry;

import dev.sluice.Context;

/**
 * One attempt of a call that may be retried or hedged. It receives the context it should honour: the
 * caller's for a {@link RetryPolicy}, and for a {@link Hedge} a child that is cancelled as soon as another
 * attempt wins (so a losing attempt should pass it to whatever it waits on).
 *
 * @param <T> the result type
 */
@FunctionalInterface
public interface Operation<T> {

    /** Makes one attempt. */
    T call(Context context) throws Exception;
}
