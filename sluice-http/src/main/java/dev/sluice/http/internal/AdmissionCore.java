package dev.sluice.http.internal;

import dev.sluice.BusyException;
import dev.sluice.CancelledException;
import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import dev.sluice.http.AdmissionStats;
import dev.sluice.http.RouteClassStats;
import dev.sluice.limit.ConcurrencyLimiter;
import dev.sluice.limit.KeyedLimiter;
import dev.sluice.limit.LimitExceededException;
import dev.sluice.limit.QueueDelayExceededException;
import dev.sluice.limit.LimiterClosedException;
import dev.sluice.limit.Permit;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The decisions shared by the servlet filter and the Jetty handler, so the two cannot drift. A request
 * goes through {@link #begin} (headers: 400, 413, 504, 429), then, if it has a body, {@link #readBody}
 * (408, 413), then {@link #acquire} (503), and finally {@link #release}. Each step either lets it go on
 * or sets the ticket's rejection and counts it.
 */
public final class AdmissionCore {

    /*
     * Order of checks, cheapest and least committal first: nothing that costs the server (a token, a
     * slot, reading the body) is spent on a request that is malformed or already too late. The body is
     * read under its budget before a slot is taken, so a slow sender holds a server thread but never a
     * concurrency slot, and slots are held only by requests whose input is complete.
     */


    private final List<RouteGate> gates;
    private final RouteGate[] gateArray;
    private final KeyedLimiter<String> clients;
    private final String clientKeyHeader;
    private final long maxBodyBytes;
    private final long readBudgetNanos;
    private final long serverBudgetNanos;
    private final boolean cancelAtEnd;
    private final Settings settings;

    final LongAdder requests = new LongAdder();
    final LongAdder admitted = new LongAdder();
    final LongAdder waited = new LongAdder();
    final LongAdder waitNanos = new LongAdder();
    final LongAdder waitTimeouts = new LongAdder();
    final LongAdder rejectedBusy = new LongAdder();
    final LongAdder rejectedRate = new LongAdder();
    final LongAdder rejectedBodyTooLarge = new LongAdder();
    final LongAdder rejectedReadTimeout = new LongAdder();
    final LongAdder rejectedBadRequest = new LongAdder();
    final LongAdder rejectedDeadline = new LongAdder();
    final LongAdder abortedWhileReading = new LongAdder();
    final LongAdder failed = new LongAdder();

    public AdmissionCore(Settings settings) {
        this.settings = settings;
        this.gates = List.copyOf(settings.gates());
        this.gateArray = gates.toArray(new RouteGate[0]);
        this.clients = settings.clients();
        this.clientKeyHeader = settings.clientKeyHeader();
        this.maxBodyBytes = settings.maxBodyBytes();
        this.readBudgetNanos = settings.readBudgetNanos();
        this.serverBudgetNanos = settings.serverBudgetNanos();
        this.cancelAtEnd = settings.cancelContextAtEnd();
    }

    /** A route gate; internal use by the public builder. */
    public static RouteGate gate(String name, Predicate<String> matcher, ConcurrencyLimiter limiter, long waitBudgetNanos) {
        return new RouteGate(name, matcher, limiter, waitBudgetNanos);
    }

    /** The header naming the client, or null when clients are keyed by remote address. */
    public String clientKeyHeader() {
        return clientKeyHeader;
    }

    /** True if per-client rate limits are configured. */
    public boolean hasClientLimits() {
        return clients != null;
    }

    /** The per-client limiter, or null. */
    public KeyedLimiter<String> clients() {
        return clients;
    }

    // ------------------------------------------------------------------ steps

    /**
     * Classifies a request from its headers alone. {@code clientHeaderValue} is the value of the
     * configured client-key header (null if absent or not configured); {@code contentLength} is -1 when
     * not declared; {@code bodyPending} says whether the request may carry a body (see {@link #hasBody}):
     * a refusal then closes the connection, since the unread body cannot be skipped cheaply, while a
     * bodiless request refused with 429 or 503 keeps its connection for the client's next try.
     */
    public Ticket begin(String path, String deadlineHeader, String timeoutHeader, String clientHeaderValue,
                        String remoteAddress, long contentLength, boolean bodyPending) {
        requests.increment();
        RouteGate gate = route(path);
        long remaining;
        try {
            remaining = remainingNanos(deadlineHeader, timeoutHeader);
        } catch (IllegalArgumentException e) {
            rejectedBadRequest.increment();
            return new Ticket(gate, null, new Rejection(400, 0, e.getMessage(), bodyPending));
        }
        if (contentLength > maxBodyBytes) {
            rejectedBodyTooLarge.increment();
            return new Ticket(gate, null, new Rejection(413, 0, "request body of " + contentLength
                    + " bytes is over the limit of " + maxBodyBytes + " bytes", true));
        }
        if (remaining == 0) {
            rejectedDeadline.increment();
            return new Ticket(gate, null, new Rejection(504, 0,
                    "the request's deadline passed before it could start", bodyPending));
        }
        if (clients != null) {
            String key = clientHeaderValue != null && !clientHeaderValue.isEmpty() ? clientHeaderValue : remoteAddress;
            if (key.length() > 256) {
                rejectedBadRequest.increment();
                return new Ticket(gate, null, new Rejection(400, 0, "malformed " + clientKeyHeader
                        + " header: longer than 256 characters", bodyPending));
            }
            Permit token;
            try {
                token = clients.tryAcquire(key);
            } catch (BusyException e) {
                // The limiter cannot decide now (a shared limiter whose store is unreachable): refuse, as
                // for any overload, rather than let an unchecked client through.
                rejectedBusy.increment();
                return new Ticket(gate, null, new Rejection(503, 1, "the client rate limiter is unavailable: "
                        + e.getMessage(), bodyPending));
            }
            if (token == null) {
                rejectedRate.increment();
                long nanos;
                try {
                    nanos = Math.max(0L, clients.nanosUntilAvailable(key, 1));
                } catch (BusyException e) {
                    nanos = 0L;
                }
                long seconds = Math.max(1L, Math.min(RouteGate.MAX_RETRY_AFTER_SECONDS, (nanos + 999_999_999L) / 1_000_000_000L));
                return new Ticket(gate, null, new Rejection(429, seconds, "rate limit for this client exceeded",
                        bodyPending));
            }
        }
        Context base = remaining == Long.MAX_VALUE ? Context.background()
                : Context.background().withTimeout(Duration.ofNanos(remaining));
        return new Ticket(gate, cancelAtEnd ? base.withCancel() : base, null);
    }

    /**
     * Reads a whole request body under the cap and the read budget. Returns the bytes, or null with the
     * ticket's rejection set (413 or 408). A failure of the client's connection is rethrown (nobody is
     * left to answer) and counted.
     */
    public byte[] readBody(Ticket ticket, InputStream in, long declaredLength) throws IOException {
        return readBody(ticket, in, declaredLength, () -> false);
    }

    /**
     * {@link #readBody(Ticket, InputStream, long)} where a read that fails while {@code budgetExpired}
     * says true was cut off by the caller's own timer (a stalled client), and so gets 408 like a slow one.
     */
    public byte[] readBody(Ticket ticket, InputStream in, long declaredLength, BooleanSupplier budgetExpired)
            throws IOException {
        long start = System.nanoTime();
        int initial = (int) Math.min(declaredLength >= 0 ? declaredLength : 8192, maxBodyBytes);
        byte[] buf = new byte[Math.max(16, initial)];
        int n = 0;
        try {
            for (;;) {
                if (System.nanoTime() - start > readBudgetNanos) {
                    return readTimeout(ticket);
                }
                if (n == buf.length) {
                    if (n > maxBodyBytes) {
                        return tooLarge(ticket);
                    }
                    buf = Arrays.copyOf(buf, (int) Math.min((long) n * 2, maxBodyBytes + 1));
                }
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
                if (n > maxBodyBytes) {
                    return tooLarge(ticket);
                }
            }
        } catch (IOException e) {
            if (budgetExpired.getAsBoolean()) {
                return readTimeout(ticket);
            }
            abortedWhileReading.increment();
            finish(ticket);
            throw e;
        }
        return n == buf.length ? buf : Arrays.copyOf(buf, n);
    }

    private byte[] readTimeout(Ticket ticket) {
        rejectedReadTimeout.increment();
        finish(ticket);
        ticket.rejection = new Rejection(408, 0, "request body did not arrive within "
                + Duration.ofNanos(readBudgetNanos).toMillis() + " ms", true);
        return null;
    }

    /** The longest a body may take to arrive. */
    public long readBudgetNanos() {
        return readBudgetNanos;
    }

    private byte[] tooLarge(Ticket ticket) {
        rejectedBodyTooLarge.increment();
        finish(ticket);
        ticket.rejection = new Rejection(413, 0, "request body is over the limit of " + maxBodyBytes + " bytes", true);
        return null;
    }

    /**
     * True if this request may have a body to read: declared non-zero, or of unknown length and either
     * chunked or of a method that carries one (HTTP/2 sends bodies without either header).
     */
    public static boolean hasBody(long contentLength, boolean chunked, String method) {
        if (contentLength >= 0) {
            return contentLength > 0;
        }
        return chunked || !("GET".equals(method) || "HEAD".equals(method) || "OPTIONS".equals(method));
    }

    /**
     * Takes a slot in the request's route class, waiting up to its wait budget (and no longer than the
     * request's own deadline). Returns true if admitted; otherwise the ticket's rejection is set.
     */
    public boolean acquire(Ticket ticket) {
        RouteGate gate = ticket.gate;
        ConcurrencyLimiter limiter = gate.limiter;
        Permit permit;
        try {
            permit = limiter.tryAcquire();
        } catch (LimiterClosedException e) {
            return refuse(ticket, "the server is shutting down", false);
        }
        if (permit == null) {
            permit = waitForSlot(ticket, gate);
            if (permit == null) {
                return false;
            }
        }
        ticket.permit = permit;
        ticket.admittedAtNanos = System.nanoTime();
        gate.admitted.increment();
        admitted.increment();
        return true;
    }

    private Permit waitForSlot(Ticket ticket, RouteGate gate) {
        if (gate.waitBudgetNanos == 0) {
            return refuseNull(ticket, "no free slot in route class '" + gate.name + "'", false);
        }
        waited.increment();
        gate.waited.increment();
        long start = System.nanoTime();
        try {
            return gate.limiter.acquire(ticket.context.withTimeout(Duration.ofNanos(gate.waitBudgetNanos)));
        } catch (DeadlineExceededException e) {
            if (ticket.context.isDone()) {
                rejectedDeadline.increment();
                finish(ticket);
                ticket.rejection = new Rejection(504, 0, "the request's deadline passed while it waited for a slot", false);
                return null;
            }
            waitTimeouts.increment();
            return refuseNull(ticket, "no free slot in route class '" + gate.name + "' within "
                    + Duration.ofNanos(gate.waitBudgetNanos).toMillis() + " ms", false);
        } catch (QueueDelayExceededException e) {
            return refuseNull(ticket, "a queue of requests has stood in route class '" + gate.name
                    + "' and this one waited past the queueing-delay target: under overload the newest are served first",
                    false);
        } catch (LimitExceededException e) {
            return refuseNull(ticket, "too many requests waiting in route class '" + gate.name + "'", false);
        } catch (LimiterClosedException e) {
            return refuseNull(ticket, "the server is shutting down", false);
        } catch (CancelledException e) {
            return refuseNull(ticket, "the request was cancelled while it waited for a slot", false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return refuseNull(ticket, "interrupted while waiting for a slot", false);
        } finally {
            long w = System.nanoTime() - start;
            waitNanos.add(w);
            gate.waitNanos.add(w);
        }
    }

    private Permit refuseNull(Ticket ticket, String why, boolean close) {
        refuse(ticket, why, close);
        return null;
    }

    private boolean refuse(Ticket ticket, String why, boolean close) {
        rejectedBusy.increment();
        ticket.gate.rejected.increment();
        finish(ticket);
        ticket.rejection = new Rejection(503, ticket.gate.retryAfterSeconds(), why, close);
        return false;
    }

    /** How an admitted request ended, for the limit and the counters. */
    public enum Outcome {
        /** It ran (whatever status it answered): a latency sample for the limit. */
        SUCCESS,
        /** The downstream refused it for overload (it answered 503 or 429): the limit should shrink. */
        DROPPED,
        /** It threw: no sample for the limit (an error says nothing about load), counted as failed. */
        FAILED
    }

    /** Releases the ticket's slot (if it holds one) and cancels its context if so configured. Idempotent, any thread. */
    public void release(Ticket ticket, Outcome outcome) {
        if (!ticket.markReleased()) {
            return;
        }
        Permit p = ticket.permit;
        if (p != null) {
            ticket.gate.recordService(System.nanoTime() - ticket.admittedAtNanos);
            switch (outcome) {
                case SUCCESS -> p.close();
                case DROPPED -> p.releaseDropped();
                case FAILED -> {
                    failed.increment();
                    p.releaseIgnored();
                }
            }
        }
        ticket.cancelContext();
    }

    private void finish(Ticket ticket) {
        if (ticket.markReleased()) {
            ticket.cancelContext();
        }
    }

    // ------------------------------------------------------------------ helpers

    private RouteGate route(String path) {
        RouteGate[] g = gateArray;
        for (int i = 0; i < g.length - 1; i++) {
            if (g[i].matcher.test(path)) {
                return g[i];
            }
        }
        return g[g.length - 1];
    }

    /** Nanoseconds the request may run: the earliest of its headers and the server budget; MAX_VALUE if none. */
    private long remainingNanos(String deadlineHeader, String timeoutHeader) {
        long remaining = serverBudgetNanos > 0 ? serverBudgetNanos : Long.MAX_VALUE;
        if (timeoutHeader != null) {
            remaining = Math.min(remaining, DeadlineHeaders.parseTimeout(timeoutHeader));
        }
        if (deadlineHeader != null) {
            Instant deadline = DeadlineHeaders.parseDeadline(deadlineHeader);
            Instant now = settings.wallClock().instant();
            long until;
            if (!deadline.isAfter(now)) {
                until = 0;
            } else {
                Duration d = Duration.between(now, deadline);
                until = d.compareTo(Duration.ofNanos(DeadlineHeaders.MAX_TIMEOUT_NANOS)) > 0
                        ? DeadlineHeaders.MAX_TIMEOUT_NANOS : d.toNanos();
            }
            remaining = Math.min(remaining, until);
        }
        return remaining;
    }

    // ------------------------------------------------------------------ stats

    public AdmissionStats stats() {
        int inflight = 0;
        int waiting = 0;
        for (RouteGate g : gateArray) {
            inflight += g.limiter.inflight();
            waiting += g.limiter.waiting();
        }
        return new AdmissionStats(requests.sum(), admitted.sum(), waited.sum(), waitNanos.sum(), waitTimeouts.sum(),
                rejectedBusy.sum(), rejectedRate.sum(), rejectedBodyTooLarge.sum(), rejectedReadTimeout.sum(),
                rejectedBadRequest.sum(), rejectedDeadline.sum(), abortedWhileReading.sum(), failed.sum(),
                inflight, waiting);
    }

    public List<RouteClassStats> routeClassStats() {
        List<RouteClassStats> out = new ArrayList<>(gateArray.length);
        for (RouteGate g : gateArray) {
            out.add(g.stats());
        }
        return out;
    }

    public List<ConcurrencyLimiter> limiters() {
        List<ConcurrencyLimiter> out = new ArrayList<>(gateArray.length);
        for (RouteGate g : gateArray) {
            out.add(g.limiter);
        }
        return out;
    }

    public void close() {
        for (RouteGate g : gateArray) {
            g.limiter.close();
        }
    }

}
