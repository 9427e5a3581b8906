package dev.sluice.channel.internal;

import dev.sluice.Context;
import dev.sluice.channel.Clause;
import java.util.function.Function;
import java.util.function.Supplier;

/** The four kinds of select clause; immutable, so one clause may serve several selects. */
final class SelectClauses {

    private SelectClauses() { }

    sealed interface Any<R> extends Clause<R> permits Receive, Send, Timeout, Done { }

    record Receive<T, R>(ChannelImpl<T> channel, Function<? super T, ? extends R> then) implements Any<R> {
        @SuppressWarnings("unchecked")
        R complete(Object item) {
            return then.apply((T) item);
        }
    }

    record Send<T, R>(ChannelImpl<T> channel, T item, Supplier<? extends R> then) implements Any<R> { }

    record Timeout<R>(long nanos, Supplier<? extends R> then) implements Any<R> { }

    record Done<R>(Context context, Supplier<? extends R> then) implements Any<R> { }
}
