/**
 * sluice: backpressure for Java.
 *
 * <p>This package holds what every part of sluice shares: {@link dev.sluice.Context} (a deadline and a
 * cancellation signal, after Go's {@code context}) and the root of sluice's exceptions,
 * {@link dev.sluice.SluiceException}. Conventions that hold across the library:
 * <ul>
 *   <li>Every exception is unchecked; {@link java.lang.InterruptedException}, from operations that wait,
 *       is the only checked one.</li>
 *   <li>Every operation that can wait has four forms: one that never waits, one that waits, one that
 *       waits at most a {@link java.time.Duration}, and one that waits until a {@code Context} is done.</li>
 *   <li>Every buffer is bounded, and what happens when it is full is chosen, and counted.</li>
 *   <li>Nothing blocks while holding a monitor: sluice never uses {@code synchronized}, so virtual threads
 *       never pin their carrier in it.</li>
 * </ul>
 */
package dev.sluice;
