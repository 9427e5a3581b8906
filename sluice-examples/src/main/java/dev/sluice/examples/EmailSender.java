package dev.sluice.examples;

import dev.sluice.Context;
import dev.sluice.ContextDoneException;
import dev.sluice.pool.DrainReport;
import dev.sluice.pool.PoolStats;
import dev.sluice.pool.WorkerPool;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The Go guide's mini email sender, on a {@link WorkerPool}: emails are accepted into a bounded queue and
 * sent in the background by a fixed number of workers. Memory is bounded by the queue, in-flight work
 * by the workers, and every way an email can fail to get in is counted:
 *
 * <ul>
 *   <li>{@link #submit(Context, Email)} waits for room until the caller's context is done, then counts
 *       the email as <em>rejected</em> and rethrows the context's exception;
 *   <li>{@link #trySubmit(Email)} never waits: on a full queue it counts the email as <em>dropped</em>
 *       and returns false;
 *   <li>{@link #close(Duration)} stops intake and sends every email already accepted before it returns.
 * </ul>
 *
 * <p>The caller's context travels with the email: if its deadline passes while the email still waits in
 * the queue, no worker starts it (the caller has given up; a stale password-reset mail is worse than
 * none) and it is counted as <em>expired</em>. So {@code offered = accepted + dropped + rejected}, and
 * after close {@code accepted = sent + failed + expired}.
 * Run it with {@code ./sluice example email-sender}.
 */
public final class EmailSender implements AutoCloseable {

    /** One email. */
    public record Email(String to, String subject, String body) {
        public Email {
            Objects.requireNonNull(to, "to");
            Objects.requireNonNull(subject, "subject");
            Objects.requireNonNull(body, "body");
        }
    }

    /** Where emails go: an SMTP client in real life. May be slow; may throw. */
    @FunctionalInterface
    public interface Transport {
        void send(Email email) throws Exception;
    }

    /** The counters, read together. */
    public record Stats(long offered, long accepted, long dropped, long rejected, long sent, long failed, long expired,
            int queued) {
    }

    private final WorkerPool pool;
    private final Transport transport;
    private final LongAdder offered = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder sent = new LongAdder();
    private final LongAdder failed = new LongAdder();

    public EmailSender(int workers, int buffer, Transport transport) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.pool = WorkerPool.builder().name("email").workers(workers).queueCapacity(buffer).virtualThreads(true).build();
    }

    /**
     * Accepts {@code email}, waiting for room until {@code context} is done.
     *
     * @throws dev.sluice.DeadlineExceededException if the deadline passed first (counted as rejected)
     * @throws dev.sluice.CancelledException         if the context was cancelled first (counted as rejected)
     * @throws dev.sluice.ClosedException            if the sender is closed
     */
    public void submit(Context context, Email email) throws InterruptedException {
        Objects.requireNonNull(email, "email");
        offered.increment();
        try {
            pool.submit(context, () -> deliver(email));
        } catch (ContextDoneException e) {
            rejected.increment();
            throw e;
        }
    }

    /** Accepts {@code email} only if there is room now; otherwise counts it as dropped and returns false. */
    public boolean trySubmit(Email email) {
        Objects.requireNonNull(email, "email");
        offered.increment();
        if (pool.trySubmit(() -> deliver(email))) {
            return true;
        }
        dropped.increment();
        return false;
    }

    private void deliver(Email email) {
        try {
            transport.send(email);
            sent.increment();
        } catch (Exception e) {
            failed.increment();
        }
    }

    public Stats stats() {
        long o = offered.sum();
        long d = dropped.sum();
        long r = rejected.sum();
        PoolStats p = pool.stats();
        return new Stats(o, o - d - r, d, r, sent.sum(), failed.sum(), p.cancelled(), p.queueDepth());
    }

    /** Stops intake and sends every accepted email, waiting at most {@code grace}. */
    public DrainReport close(Duration grace) throws InterruptedException {
        return pool.drain(grace);
    }

    @Override
    public void close() throws InterruptedException {
        close(Duration.ofSeconds(30));
    }

    // ---------------------------------------------------------------- the runnable example

    static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        Flags f = new Flags("email-sender")
                .declare("emails", 300, "emails offered in all: a third with trySubmit, the rest with submit(ctx)")
                .declare("workers", 2, "sending workers")
                .declare("buffer", 20, "emails the queue holds")
                .declare("send", "5ms", "how long the (simulated) SMTP server takes per email")
                .declare("wait", "100ms", "the deadline of submit(ctx): for room, and for a worker to start the email");
        int emails;
        int workers;
        int buffer;
        Duration send;
        Duration wait;
        try {
            f.parse(args);
            emails = f.positiveInt("emails");
            workers = f.positiveInt("workers");
            buffer = f.positiveInt("buffer");
            send = f.duration("send");
            wait = f.duration("wait");
        } catch (IllegalArgumentException e) {
            err.println("email-sender: " + e.getMessage());
            err.println(f.usage());
            return 2;
        }
        if (f.help()) {
            out.println(f.usage());
            return 0;
        }
        LongAdder delivered = new LongAdder();
        long sendNanos = send.toNanos();
        EmailSender sender = new EmailSender(workers, buffer, email -> {
            LockSupport.parkNanos(sendNanos); // the SMTP round trip being simulated
            delivered.increment();
        });
        int burst = emails / 3;
        for (int i = 0; i < burst; i++) {
            sender.trySubmit(new Email("user" + i + "@example.com", "burst " + i, "hello"));
        }
        for (int i = burst; i < emails; i++) {
            try {
                sender.submit(Context.background().withTimeout(wait), new Email("user" + i + "@example.com", "paced " + i, "hello"));
            } catch (ContextDoneException busy) {
                // counted as rejected; a real caller would answer 503 or try later
            }
        }
        Stats before = sender.stats();
        DrainReport report = sender.close(Duration.ofSeconds(30));
        Stats s = sender.stats();
        if (f.machine()) {
            out.printf(Locale.ROOT, "offered=%d%naccepted=%d%ndropped=%d%nrejected=%d%nsent=%d%nfailed=%d%nexpired=%d%n"
                            + "queuedBeforeClose=%d%ndelivered=%d%ndrainedWithinGrace=%b%n",
                    s.offered(), s.accepted(), s.dropped(), s.rejected(), s.sent(), s.failed(), s.expired(), before.queued(),
                    delivered.sum(), report.terminated());
        } else {
            out.printf(Locale.ROOT, "Email sender: %d workers, a queue of %d, %d ms per email.%n", workers, buffer,
                    send.toMillis());
            out.printf(Locale.ROOT, "%d emails offered: the first %d with trySubmit (drop when full), the rest with"
                    + " submit(ctx), a %d ms deadline.%n%n", emails, burst, wait.toMillis());
            out.printf(Locale.ROOT, "  %-26s %6d%n", "offered", s.offered());
            out.printf(Locale.ROOT, "  %-26s %6d%n", "accepted", s.accepted());
            out.printf(Locale.ROOT, "  %-26s %6d   (trySubmit found the queue full)%n", "dropped", s.dropped());
            out.printf(Locale.ROOT, "  %-26s %6d   (submit(ctx) timed out waiting)%n", "rejected", s.rejected());
            out.printf(Locale.ROOT, "  %-26s %6d   (still queued when close began: %d)%n", "sent", s.sent(), before.queued());
            out.printf(Locale.ROOT, "  %-26s %6d%n", "failed", s.failed());
            out.printf(Locale.ROOT, "  %-26s %6d   (deadline passed while queued: not sent)%n%n", "expired", s.expired());
            out.printf(Locale.ROOT, "offered = accepted + dropped + rejected: %b; after close, accepted = sent + failed + expired: %b%n",
                    s.offered() == s.accepted() + s.dropped() + s.rejected(),
                    s.accepted() == s.sent() + s.failed() + s.expired());
            double queueWaitMs = 1000.0 * buffer * send.toNanos() / 1e9 / workers;
            out.printf(Locale.ROOT, "A full queue of %d drained by %d workers at %d ms each means up to %.0f ms in the queue"
                    + " (Little's law):%nwith a deadline shorter than that, accepted emails expire before a worker reaches"
                    + " them%s.%n", buffer, workers, send.toMillis(), queueWaitMs, s.expired() > 0
                            ? " — as " + s.expired() + " did here"
                            : " (try --wait " + Math.max(1, Math.round(queueWaitMs / 3)) + "ms)");
        }
        return 0;
    }
}
