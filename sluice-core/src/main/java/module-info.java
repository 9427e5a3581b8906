/**
 * sluice: backpressure for Java. Bounded channels with select and explicit overflow policies, and
 * {@link dev.sluice.Context} deadlines and cancellation.
 */
module dev.sluice {
    exports dev.sluice;
    exports dev.sluice.channel;
    exports dev.sluice.pool;
    exports dev.sluice.retry;
}
