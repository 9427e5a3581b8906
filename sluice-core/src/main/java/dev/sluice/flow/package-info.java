/**
 * Reactive Streams interop: sluice channels as {@link java.util.concurrent.Flow.Publisher}s and
 * {@link java.util.concurrent.Flow.Subscriber}s, with no dependency beyond the JDK. See
 * {@link dev.sluice.flow.FlowAdapters}.
 *
 * <p>Backpressure maps one to one: a publisher over a channel receives only what its subscriber has
 * requested; a subscriber feeding a channel requests only what it has room for, a window of credit it
 * renews as items move into the channel.
 *
 * <p>TCK: both adapters are checked with the Reactive Streams TCK ({@code reactive-streams-tck-flow}
 * 1.0.4), {@code FlowPublisherVerification} and {@code FlowSubscriberBlackboxVerification}.
 * TCK_RULES_PLACEHOLDER
 */
package dev.sluice.flow;
