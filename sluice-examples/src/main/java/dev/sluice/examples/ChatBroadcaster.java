package dev.sluice.examples;

import dev.sluice.channel.ChannelClosedException;
import dev.sluice.pubsub.Broadcaster;
import dev.sluice.pubsub.SlowSubscriberPolicy;
import dev.sluice.pubsub.SubscriberStats;
import dev.sluice.pubsub.Subscription;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A chat room where one stuck client cannot grow the server's memory or slow anyone else down: every
 * client has its own bounded outbox (a {@link Subscription} of a {@link Broadcaster}), and a client
 * whose outbox fills up is disconnected with a reason it can read
 * ({@link SlowSubscriberPolicy#DISCONNECT}), instead of the room buffering for it without limit — the
 * gaming-chat post-mortem of the guide.
 *
 * <p>Two speakers post at a human-ish pace; three readers keep up; one reader stops reading after its
 * first message (a phone that went into a tunnel). The example prints what each reader got and why the
 * stuck one was let go. Run it with {@code ./sluice example chat-broadcaster}.
 */
public final class ChatBroadcaster {

    /** What one reader saw. */
    record Reader(String name, long received, boolean inOrder, String endedBy, SubscriberStats stats) {
    }

    /** What the room saw. */
    record Result(int published, List<Reader> readers) {
    }

    private ChatBroadcaster() {
    }

    static Result chat(int messagesPerSpeaker, int outbox, Duration gap) throws InterruptedException {
        Broadcaster<String> room = Broadcaster.<String>builder().name("room").maxSubscribers(16).build();
        List<Subscription<String>> subs = new ArrayList<>();
        String[] names = {"ann", "bob", "cy", "stuck-phone"};
        for (String n : names) {
            subs.add(room.subscribe(n, outbox, SlowSubscriberPolicy.DISCONNECT));
        }
        List<Thread> readers = new ArrayList<>();
        List<AtomicReference<Reader>> results = new ArrayList<>();
        CountDownLatch neverReleased = new CountDownLatch(1);
        for (Subscription<String> sub : subs) {
            AtomicReference<Reader> out = new AtomicReference<>();
            results.add(out);
            boolean stuck = sub.subscriberStats().name().startsWith("stuck");
            readers.add(Thread.ofVirtual().name("reader-" + sub.subscriberStats().name()).start(() -> {
                long got = 0;
                long[] lastSeq = new long[2];
                boolean inOrder = true;
                String endedBy = "the room closed";
                try {
                    for (String m : sub) {
                        got++;
                        // Messages are "speaker:seq"; each speaker's messages must arrive in order.
                        int speaker = m.charAt(0) - '0';
                        long seq = Long.parseLong(m.substring(2));
                        inOrder &= seq == lastSeq[speaker] + 1;
                        lastSeq[speaker] = seq;
                        if (stuck) {
                            // Stops reading, as a client on a dead connection does; freed when disconnected.
                            while (sub.disconnection().isEmpty() && !room.isClosed()) {
                                neverReleased.await(1, java.util.concurrent.TimeUnit.MILLISECONDS);
                            }
                            endedBy = sub.disconnection().map(Throwable::getMessage).orElse("the room closed");
                            break;
                        }
                    }
                } catch (ChannelClosedException e) {
                    endedBy = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
                } catch (InterruptedException e) {
                    endedBy = "interrupted";
                }
                out.set(new Reader(sub.subscriberStats().name(), got, inOrder, endedBy, sub.subscriberStats()));
            }));
        }
        Thread[] speakers = new Thread[2];
        long gapNanos = gap.toNanos();
        for (int s = 0; s < 2; s++) {
            int speaker = s;
            speakers[s] = Thread.ofVirtual().name("speaker-" + s).start(() -> {
                long next = System.nanoTime();
                for (int i = 1; i <= messagesPerSpeaker; i++) {
                    room.publish(speaker + ":" + i); // never waits for a reader
                    next += gapNanos;
                    long now;
                    while ((now = System.nanoTime()) < next) {
                        LockSupport.parkNanos(next - now);
                    }
                }
            });
        }
        for (Thread t : speakers) {
            t.join();
        }
        room.close();
        List<Reader> out = new ArrayList<>();
        for (int i = 0; i < readers.size(); i++) {
            if (!readers.get(i).join(Duration.ofSeconds(30))) {
                throw new IllegalStateException("a reader did not end: " + readers.get(i));
            }
            out.add(results.get(i).get());
        }
        return new Result(2 * messagesPerSpeaker, out);
    }

    // ---------------------------------------------------------------- the runnable example

    static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        Flags f = new Flags("chat-broadcaster")
                .declare("messages", 1_500, "messages each of the two speakers posts")
                .declare("outbox", 1_024, "messages each client's outbox holds before it is disconnected")
                .declare("gap", "1ms", "time between one speaker's messages");
        int messages;
        int outbox;
        Duration gap;
        try {
            f.parse(args);
            messages = f.positiveInt("messages");
            outbox = f.positiveInt("outbox");
            gap = f.duration("gap");
        } catch (IllegalArgumentException e) {
            err.println("chat-broadcaster: " + e.getMessage());
            err.println(f.usage());
            return 2;
        }
        if (f.help()) {
            out.println(f.usage());
            return 0;
        }
        Result r = chat(messages, outbox, gap);
        if (f.machine()) {
            out.printf(Locale.ROOT, "published=%d%noutbox=%d%n", r.published(), outbox);
            for (Reader reader : r.readers()) {
                String k = reader.name();
                out.printf(Locale.ROOT, "%s.received=%d%n%s.inOrder=%b%n%s.state=%s%n%s.dropped=%d%n%s.maxBuffered=%d%n"
                                + "%s.endedBy=%s%n", k, reader.received(), k, reader.inOrder(), k, reader.stats().state(),
                        k, reader.stats().dropped(), k, reader.stats().capacity(), k, reader.endedBy());
            }
            return 0;
        }
        out.printf(Locale.ROOT, "Two speakers post %d messages each; every client has an outbox of %d.%n%n", messages, outbox);
        out.printf(Locale.ROOT, "%-12s %9s %9s %18s  %s%n", "client", "received", "in order", "state", "ended by");
        for (Reader reader : r.readers()) {
            out.printf(Locale.ROOT, "%-12s %9d %9s %18s  %s%n", reader.name(), reader.received(), reader.inOrder(),
                    reader.stats().state(), reader.endedBy());
        }
        out.printf(Locale.ROOT, "%nThe stuck client cost the room at most %d buffered messages, and nobody else waited for it.%n",
                outbox);
        return 0;
    }
}
