package dev.sluice.spill;

import dev.sluice.channel.Channel;
import java.nio.file.Path;
import java.util.List;

/**
 * A channel for work that must not be lost and may wait: it keeps up to {@code memoryCapacity} items in
 * memory and, when memory is full, appends further items to segment files in a directory, up to a disk
 * quota. Only when the quota is used does it push back, by blocking or refusing the sender as configured
 * ({@link SpillChannelBuilder#whenDiskFull}). Opening a directory that holds items recovers them.
 *
 * <p>Ordering: items are received in the order they were accepted, across memory and disk. Once any item
 * is on disk, new items go behind it on disk, even if memory has room; receivers drain memory, then the
 * disk, in order. Each item is received once. Waiting senders and receivers are woken in no particular
 * order (the lock is not fair).
 *
 * <table class="striped">
 * <caption>The forms of each operation, when memory and the disk quota are used (send) or nothing is
 * buffered (receive)</caption>
 * <thead><tr><th></th><th>never waits</th><th>waits</th><th>waits at most</th><th>waits until the context is done</th></tr></thead>
 * <tbody>
 * <tr><td>send, {@code whenDiskFull(BLOCK)}</td><td>{@link #trySend}: false</td><td>{@link #send(Object)}</td>
 * <td>{@link #send(Object, java.time.Duration)}: false</td>
 * <td>{@link #send(Object, dev.sluice.Context)}: {@code DeadlineExceededException} / {@code CancelledException}</td></tr>
 * <tr><td>send, {@code whenDiskFull(REJECT)}</td><td>{@link #trySend}: false</td>
 * <td colspan="3">{@link dev.sluice.channel.ChannelFullException} at once</td></tr>
 * <tr><td>receive</td><td>{@link #tryReceive()}: null</td><td>{@link #receive()}</td>
 * <td>{@link #receive(java.time.Duration)}: null</td>
 * <td>{@link #receive(dev.sluice.Context)}: as for send</td></tr>
 * </tbody>
 * </table>
 *
 * <p>Full, closed, interrupted, cancelled: as for any {@link Channel} (see
 * {@link dev.sluice.channel.SendPort} and {@link dev.sluice.channel.ReceivePort}): a send on a closed
 * channel throws {@link dev.sluice.channel.ChannelClosedException}; after {@link #close()} receivers
 * drain memory and disk, then get that exception; an interrupt while waiting throws
 * {@link InterruptedException} and the item was not sent (or nothing was received); a done context throws
 * its exception. A send that needs no waiting completes even if the interrupt flag is set. The
 * {@link dev.sluice.channel.Overflow} policies that drop items are not offered: this channel exists not
 * to lose them.
 *
 * <p><b>Durability.</b> With {@code fsync(true)} (the default) every item is written to the log and the
 * log is forced to the device ({@code fsync}, shared by concurrent senders) before {@code send} returns;
 * memory then only caches the head of the log. An item whose {@code send} returned therefore survives a
 * crash of the process or of the machine and is delivered after the directory is opened again. With
 * {@code fsync(false)} only spilled items are written, and not forced: they survive a crash of the
 * process (they are in the kernel's page cache) but maybe not of the machine, and items held in memory
 * exist only in memory.
 *
 * <p><b>Consumption.</b> An item counts as consumed when {@code receive} returns it. The read position is
 * stored in the memory-mapped {@code cursor} file (the kernel's page cache) before every receive that
 * moved it returns, so after a crash of the process nothing received is delivered again: each item comes
 * back exactly once. With {@code fsync(true)} the cursor is forced to the device every 64 receives and on
 * {@link #release()}; after a crash of the machine, up to 64 received items may then be delivered again
 * (at least once). With {@code fsync(false)} nothing is promised across a crash of the machine. An item received but not yet
 * processed when the process dies is lost to the application, as with any queue that acknowledges on
 * receipt: make processing idempotent and re-send on failure if that matters.
 *
 * <p><b>Damage.</b> Every record carries its length and CRC32C checksums of its header and payload. A
 * record with a bad payload checksum is skipped alone; a torn or damaged header ends the readable part of
 * its segment (nothing after it can be located), and reading goes on with the next segment. Either is
 * counted in {@link SpillStats#corruptRecordsSkipped()}, never thrown.
 *
 * <p><b>Disk use.</b> The segment files never exceed the quota. A segment is deleted once the read
 * position has passed its end, so space comes back one segment at a time: a sender blocked on the quota
 * is woken when a segment is freed.
 *
 * <p><b>Select is not supported.</b> {@link #onSend} and {@link #onReceive} throw
 * {@link UnsupportedOperationException}: sluice's select performs the chosen operation while holding the
 * locks of every channel in it, where disk I/O and user serializers must not run. To select over a spill
 * channel's items, move them into an in-memory {@link Channel} with a thread of their own.
 *
 * <p><b>Releasing.</b> {@link #close()} closes for sending (the files stay open for receivers);
 * {@link #release()} closes the files. Only one channel may have a directory open at a time.
 *
 * <p>Memory consistency effects: actions in a thread before it sends an item happen-before the actions
 * following the receipt of that item in another thread. An item read back from disk is a new object
 * made by the serializer.
 *
 * <pre>{@code
 * SpillChannel<String> work = SpillChannel.<String>builder()
 *         .directory(Path.of("/var/lib/app/spill"))
 *         .serializer(SpillSerializer.utf8())
 *         .memoryCapacity(10_000)
 *         .diskQuota(1L << 30).segmentSize(64L << 20)
 *         .whenDiskFull(Overflow.BLOCK)
 *         .fsync(true)
 *         .build();                 // recovers what the directory holds
 * work.send(job, ctx);              // returns once the item is on disk and forced
 * String next = work.receive(ctx);  // consumed: not delivered again after a restart
 * work.release();                   // at shutdown
 * }</pre>
 *
 * @param <T> the item type
 */
public interface SpillChannel<T> extends Channel<T> {

    /** A builder; the directory and the serializer must be set. */
    static <T> SpillChannelBuilder<T> builder() {
        return new SpillChannelBuilder<>();
    }

    /** The number of items held in memory at most (the disk holds the rest); the {@link #capacity()} of this channel. */
    @Override
    int capacity();

    /** Items in memory and on disk now (at most {@link Integer#MAX_VALUE}); a snapshot. */
    @Override
    int size();

    /** A consistent snapshot of the disk side's counters. */
    SpillStats spillStats();

    /** The directory the segment files are in. */
    Path directory();

    /** True if every accepted item is forced to disk before its send returns ({@code fsync(true)}). */
    boolean isDurable();

    /**
     * Closes the channel for sending (if it is not closed yet), wakes every waiting sender and receiver
     * with {@link dev.sluice.channel.ChannelClosedException}, forces the log and the read position (in
     * durable mode) and closes the files. The items still on disk stay there for the next opening of the
     * directory. Items held only in memory (possible only with {@code fsync(false)}) are returned: they
     * are the caller's now. Afterwards every operation throws {@code ChannelClosedException}. Idempotent:
     * later calls return an empty list.
     *
     * @throws SpillStorageException if forcing or closing the files failed (the files are closed anyway)
     */
    List<T> release();
}
