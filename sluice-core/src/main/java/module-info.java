/**
 * sluice: backpressure for Java. Bounded channels with select and explicit overflow policies,
 * {@link dev.sluice.Context} deadlines and cancellation, worker pools, admission limits and retries.
 */
module dev.sluice {
    exports dev.sluice;
    exports dev.sluice.channel;
    exports dev.sluice.flow;
    exports dev.sluice.limit;
    exports dev.sluice.pipeline;
    exports dev.sluice.pool;
    exports dev.sluice.pubsub;
    exports dev.sluice.retry;
    exports dev.sluice.spill;
}
