package dev.sluice.pipeline;

import java.util.List;
import java.util.Map;

/**
 * What a pipeline had inside and did not finish, taken after every one of its threads had ended.
 *
 * @param complete     true if every stage finished (input ended, or stopped early on purpose) without a
 *                     failure, cancellation or abort
 * @param leftInLinks  items still buffered in each link, by link name (links inside a
 *                     {@code partitionBy} included); only non-empty links appear
 * @param heldByStages items each stage had taken from its input and not passed on when it stopped (the
 *                     item a function or sink threw on, a result whose send was cancelled, a batch being
 *                     filled, the results an ordered {@code mapParallel} held in its reorder window), by stage name; a source that {@code drain} stopped shows the item it had
 *                     taken and not yet sent
 */
public record ShutdownReport(boolean complete, Map<String, List<Object>> leftInLinks,
                             Map<String, List<Object>> heldByStages) {

    public ShutdownReport {
        leftInLinks = Map.copyOf(leftInLinks);
        heldByStages = Map.copyOf(heldByStages);
    }

    /** Entries left in links plus entries held by stages (a batch counts as one entry). */
    public int unfinished() {
        int n = 0;
        for (List<Object> l : leftInLinks.values()) {
            n += l.size();
        }
        for (List<Object> l : heldByStages.values()) {
            n += l.size();
        }
        return n;
    }
}
