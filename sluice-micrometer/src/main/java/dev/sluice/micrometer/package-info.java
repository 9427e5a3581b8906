/**
 * Micrometer meters for every sluice boundary: {@link dev.sluice.micrometer.ChannelMetrics},
 * {@link dev.sluice.micrometer.WorkerPoolMetrics}, {@link dev.sluice.micrometer.ConcurrencyLimiterMetrics},
 * {@link dev.sluice.micrometer.TokenBucketMetrics}, {@link dev.sluice.micrometer.KeyedLimiterMetrics} and
 * {@link dev.sluice.micrometer.AdmissionControlMetrics}, each a {@code MeterBinder} of gauges, function
 * counters and function timers over the component's own counters (no extra bookkeeping on the hot path).
 * Names start with {@code sluice.} and every meter carries a {@code name} tag; with Micrometer's Prometheus
 * registry they appear as {@code sluice_channel_depth{name="..."}} and so on.
 */
package dev.sluice.micrometer;
