package dev.sluice.http;

import dev.sluice.Context;
import dev.sluice.http.internal.AdmissionCore;
import dev.sluice.http.internal.Rejection;
import dev.sluice.http.internal.Ticket;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The native Jetty 12 form of an {@link AdmissionControl}: a {@link Handler.Wrapper} in front of the
 * handler it protects; see {@code AdmissionControl} for what it checks and answers. The slot is released
 * when the wrapped handler completes or fails the request's {@link Callback}, or throws, or declines the
 * request (returns false). It may block (reading the body, waiting for a slot), so its invocation type is
 * {@code BLOCKING}. Any number of handlers may share one {@code AdmissionControl}, and so its limits.
 *
 * <p>{@code new AdmissionHandler(admission, next)} and {@link AdmissionControl#jettyHandler(Handler)} are
 * the same; the constructor needs no servlet API even under reflection.
 */
@SuppressWarnings("exports") // Jetty is optional: see module-info
public final class AdmissionHandler extends Handler.Wrapper {

    private static final String CONTEXT_ATTRIBUTE = AdmissionControl.CONTEXT_ATTRIBUTE;

    private final AdmissionCore core;
    private final String contextAttribute = CONTEXT_ATTRIBUTE;

    /** A handler applying {@code admission}'s limits, in front of a handler set later with {@code setHandler}. */
    public AdmissionHandler(AdmissionControl admission) {
        this(admission, null);
    }

    /** A handler applying {@code admission}'s limits in front of {@code next}. */
    public AdmissionHandler(AdmissionControl admission, Handler next) {
        super(next);
        this.core = admission.core();
    }

    /** Declared as {@link Handler.Wrapper} so that {@code AdmissionControl}'s verifier never loads Jetty. */
    static Handler.Wrapper create(AdmissionControl admission, Handler next) {
        return new AdmissionHandler(admission, next);
    }

    /**
     * The {@link Context} of a request this handler admitted: the request's deadline, if it had one;
     * {@link Context#background()} if it did not pass through admission control. Same as
     * {@link AdmissionControl#jettyContext(Request)}.
     */
    public static Context context(Request request) {
        return request.getAttribute(CONTEXT_ATTRIBUTE) instanceof Context c ? c : Context.background();
    }

    /** Blocking: it may read the body and wait for a slot on the calling thread. */
    @Override
    public Invocable.InvocationType getInvocationType() {
        return Invocable.InvocationType.BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Handler next = getHandler();
        if (next == null) {
            return false;
        }
        HttpFields headers = request.getHeaders();
        String clientHeader = core.clientKeyHeader();
        long length = request.getLength();
        boolean body = AdmissionCore.hasBody(length, headers.contains(HttpHeader.TRANSFER_ENCODING), request.getMethod());
        Ticket ticket = core.begin(Request.getPathInContext(request), headers.get("X-Request-Deadline"),
                headers.get("Request-Timeout"), clientHeader == null ? null : headers.get(clientHeader),
                Request.getRemoteAddr(request), length, body);
        if (ticket.rejection() != null) {
            return reject(response, callback, ticket.rejection());
        }
        Request downstream = request;
        if (body) {
            byte[] bytes = readUnderBudget(request, ticket, length);
            if (bytes == null) {
                return reject(response, callback, ticket.rejection());
            }
            downstream = new BufferedRequest(request, bytes);
        }
        if (!core.acquire(ticket)) {
            return reject(response, callback, ticket.rejection());
        }
        request.setAttribute(contextAttribute, ticket.context());
        Callback release = new ReleasingCallback(callback, ticket, response);
        boolean handled = false;
        try {
            handled = next.handle(downstream, response, release);
        } catch (Throwable t) {
            core.release(ticket, AdmissionCore.Outcome.FAILED);
            throw t;
        }
        if (!handled) {
            core.release(ticket, AdmissionCore.Outcome.SUCCESS);
        }
        return handled;
    }

    /**
     * Reads the body with a timer that fails the request's content when the read budget ends, so that a
     * client that stops sending altogether (not only one that trickles) gets its 408 on time.
     */
    private byte[] readUnderBudget(Request request, Ticket ticket, long length) throws java.io.IOException {
        AtomicBoolean expired = new AtomicBoolean();
        Scheduler.Task timer = request.getComponents().getScheduler().schedule(() -> {
            expired.set(true);
            request.fail(new TimeoutException("request body read budget exceeded"));
        }, core.readBudgetNanos(), TimeUnit.NANOSECONDS);
        try {
            return core.readBody(ticket, Content.Source.asInputStream(request), length, expired::get);
        } finally {
            timer.cancel();
        }
    }

    private static boolean reject(Response response, Callback callback, Rejection r) {
        response.setStatus(r.status());
        HttpFields.Mutable h = response.getHeaders();
        if (r.retryAfterSeconds() > 0) {
            h.put(HttpHeader.RETRY_AFTER, Long.toString(r.retryAfterSeconds()));
        }
        if (r.closeConnection()) {
            h.put(HttpHeader.CONNECTION, "close");
        }
        byte[] body = (r.message() + "\n").getBytes(StandardCharsets.UTF_8);
        h.put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
        h.put(HttpHeader.CONTENT_LENGTH, Integer.toString(body.length));
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }

    /** Releases the slot when Jetty is told the request is over, however it ends. */
    private final class ReleasingCallback implements Callback {
        private final Callback delegate;
        private final Ticket ticket;
        private final Response response;

        ReleasingCallback(Callback delegate, Ticket ticket, Response response) {
            this.delegate = delegate;
            this.ticket = ticket;
            this.response = response;
        }

        @Override
        public void succeeded() {
            int status = response.getStatus();
            core.release(ticket, status == 503 || status == 429 ? AdmissionCore.Outcome.DROPPED : AdmissionCore.Outcome.SUCCESS);
            delegate.succeeded();
        }

        @Override
        public void failed(Throwable x) {
            core.release(ticket, AdmissionCore.Outcome.FAILED);
            delegate.failed(x);
        }

        @Override
        public Invocable.InvocationType getInvocationType() {
            return delegate.getInvocationType();
        }
    }

    /** A request whose body was already read; the downstream reads it from memory. */
    private static final class BufferedRequest extends Request.Wrapper {
        private final byte[] body;
        private boolean served;

        BufferedRequest(Request request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public long getLength() {
            return body.length;
        }

        @Override
        public Content.Chunk read() {
            if (served) {
                return Content.Chunk.EOF;
            }
            served = true;
            return Content.Chunk.from(ByteBuffer.wrap(body), true);
        }

        @Override
        public void demand(Runnable demandCallback) {
            demandCallback.run(); // content is always available
        }

        @Override
        public boolean consumeAvailable() {
            served = true;
            return true;
        }
    }
}
