package dev.sluice.limit;

/** The order in which a {@link ConcurrencyLimiter} serves callers that had to wait for a permit. */
public enum Discipline {
    /**
     * First in, first out: the longest waiter is served first. A waiter whose weight does not fit yet
     * holds back the waiters behind it, so heavy requests are not starved by light ones.
     */
    FIFO,
    /**
     * Newest first, with a controlled queueing delay (after CoDel and Facebook's "adaptive LIFO"): under
     * overload the waiters that just arrived, whose callers are most likely still interested, are served
     * first, and a waiter that has queued longer than its allowed delay is shed with a
     * {@link QueueDelayExceededException}. The allowed delay is the limiter's {@code targetQueueDelay}
     * while the queue has stood for a whole {@code interval} (a standing queue), and the longer
     * {@code interval} otherwise, so that short bursts are absorbed and standing queues are cut. A queue
     * stops standing when serving its waiters empties it, or when it has stayed empty for an
     * {@code interval}; a queue that only shedding emptied is still standing when the next waiter comes.
     */
    LIFO_CODEL
}
