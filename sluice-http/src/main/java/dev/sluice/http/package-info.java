/**
 * Admission control for Java HTTP servers: {@link dev.sluice.http.AdmissionControl} builds a Jakarta
 * Servlet filter and a native Jetty 12 handler that limit concurrency (per route class), rate per client,
 * body size and read time, and turn deadline headers into a {@link dev.sluice.Context}. Refusals are
 * answered at once with {@code 503}, {@code 429}, {@code 413}, {@code 408}, {@code 400} or {@code 504},
 * with a computed {@code Retry-After} where retrying later helps.
 */
package dev.sluice.http;
