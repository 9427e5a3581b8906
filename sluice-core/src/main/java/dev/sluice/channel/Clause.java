package dev.sluice.channel;

/**
 * One branch of a {@link Select}: made by {@link ReceivePort#onReceive}, {@link SendPort#onSend},
 * {@link Select#onTimeout} or {@link Select#onDone}. A clause is a description, not an action: nothing
 * happens until it is passed to {@code Select.select}. A clause may be used in several selects.
 *
 * @param <R> what the select returns when this clause is chosen
 */
public interface Clause<R> {
}
