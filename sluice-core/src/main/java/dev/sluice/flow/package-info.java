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
 * 1.0.4):
 * {@code FlowPublisherVerification}, {@code FlowSubscriberBlackboxVerification} and
 * {@code FlowSubscriberWhiteboxVerification}, run with every test build ({@code ChannelPublisherTckTest},
 * {@code ChannelSubscriberTckTest}, {@code ChannelSubscriberWhiteboxTckTest}). No rule is switched off by
 * us; the TCK reports these as skipped:
 * <ul>
 *   <li>Not applicable, by design: the three {@code optional_spec111_multicast_*} tests (rule 1.11,
 *       optional). A publisher over a channel is unicast: several subscribers compete for its items, each
 *       item going to one of them, as several receivers of a channel do, so they cannot all see the same
 *       sequence. The TCK turns a failing optional test into a skip. For a copy to every subscriber use a
 *       {@link dev.sluice.pubsub.Broadcaster}.</li>
 *   <li>Untested by the TCK itself (its methods named {@code untested_*} only call {@code notVerified()}):
 *       publisher rules 1.6, 1.7, 1.8, 1.9 ("should not throw"), 1.10, 3.4, 3.5; subscriber rules 2.2,
 *       2.4, 2.6, 2.7, 2.8, 2.11, 2.12, 2.13 (failing signal), 3.1, 3.8, 3.10, 3.11, 3.14, 3.15, 3.16 in the
 *       black-box suite and those of them the white-box suite also leaves untested. What the adapters do
 *       about them: after onComplete/onError the publisher drops the subscriber and signals nothing more
 *       (1.6, 1.7); after cancel it stops receiving and sends at most the item it had already taken
 *       (1.8); subscribe throws only NullPointerException, and a throwing onSubscribe counts as a cancel
 *       (1.9); the same subscriber subscribed twice is not detected and gets two competing subscriptions
 *       (1.10); request and cancel are constant time and never call the subscriber (3.4, 3.5). The
 *       subscriber never blocks in onNext and hands blocking sends to its own task (2.2); every call on
 *       its subscription comes from its serialised drain (2.7); it discards items arriving after cancel
 *       (2.8).</li>
 * </ul>
 */
package dev.sluice.flow;
