package dev.sluice.spill;

/**
 * A consistent snapshot of a {@link SpillChannel}'s disk side, taken under its lock. Counters only grow
 * (during this opening of the directory).
 *
 * @param memoryItems           items held in memory now
 * @param diskItems             items that are only on disk now (waiting to be read back)
 * @param diskBytes             bytes the segment files occupy now, consumed parts of live segments included
 * @param diskQuota             the configured bound on {@code diskBytes}
 * @param segments              segment files now
 * @param spilled               items that went to disk only, because memory was full or items were already
 *                              on disk (in durable mode every item is written, and those also cached in
 *                              memory are not counted here)
 * @param readFromDisk          items read back from disk by receivers
 * @param recovered             unconsumed items found in the directory when it was opened
 * @param corruptRecordsSkipped damaged records detected and skipped: each torn tail, bad header or bad
 *                              checksum counts once (a bad header also skips the rest of its segment)
 * @param corruptBytesSkipped   bytes skipped because of damage
 * @param fsyncs                {@code fsync} calls on segment files (several sends may share one)
 * @param diskFullWaits         sends that waited or were refused because the disk quota was reached
 */
public record SpillStats(int memoryItems, long diskItems, long diskBytes, long diskQuota, int segments,
                         long spilled, long readFromDisk, long recovered, long corruptRecordsSkipped,
                         long corruptBytesSkipped, long fsyncs, long diskFullWaits) {
}
