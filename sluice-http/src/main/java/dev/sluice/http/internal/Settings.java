package dev.sluice.http.internal;

import dev.sluice.limit.KeyedLimiter;
import java.time.InstantSource;
import java.util.List;

/**
 * The immutable configuration an {@link AdmissionCore} is built from (snapshotted by the public builder).
 *
 * @param gates           route classes in match order, the default class last (it matches everything)
 * @param clients         the per-client token buckets, or null for none
 * @param clientKeyHeader the header naming the client, or null to key by remote address
 * @param maxBodyBytes    the body cap
 * @param readBudgetNanos the longest a request body may take to arrive
 * @param serverBudgetNanos the longest any request may run, or 0 for no limit of our own
 * @param wallClock       for absolute deadlines
 * @param cancelContextAtEnd whether each request's context is cancellable and cancelled when it ends
 */
public record Settings(List<RouteGate> gates, KeyedLimiter<String> clients, String clientKeyHeader,
        long maxBodyBytes, long readBudgetNanos, long serverBudgetNanos, InstantSource wallClock,
        boolean cancelContextAtEnd) {
}
