package dev.sluice.pipeline;

/**
 * A snapshot of one stage's counters. Counters only grow; each is read without stopping the stage, so
 * two counters of one snapshot may be a few items apart.
 *
 * @param name                 the stage's name
 * @param kind                 what it does: source, generate, map, filter, flatMap, limit, mapParallel,
 *                             batch, partitionBy, sink, fanOut, consume
 * @param threads              threads the stage runs on
 * @param itemsIn              items it took from its input (for a source: from the iterable, port or generator)
 * @param itemsOut             items it passed on (for a sink: items the sink accepted without throwing;
 *                             for batch: lists)
 * @param discarded            items thrown away because a later stage stopped early ({@code limit}, a
 *                             consumer that returned, a closed output channel)
 * @param blockedOnInputNanos  time its reading threads spent waiting for input, summed over threads
 * @param blockedOnOutputNanos time spent waiting for room in its output link, summed over the link's
 *                             writers; for a link several stages write to (a merge) every writer
 *                             reports the link's total
 * @param inputLink            the name of the link it reads, or null for a source
 * @param outputLink           the name of the link it writes, or null for a sink
 */
public record StageStats(String name, String kind, int threads, long itemsIn, long itemsOut, long discarded,
                         long blockedOnInputNanos, long blockedOnOutputNanos, String inputLink, String outputLink) {
}
