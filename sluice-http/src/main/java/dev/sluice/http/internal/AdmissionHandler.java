package dev.sluice.http.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;

/** The native Jetty 12 form of admission control; see {@code AdmissionControl#jettyHandler()}. */
public final class AdmissionHandler extends Handler.Wrapper {

    private final AdmissionCore core;
    private final String contextAttribute;

    /** Declared as {@link Handler.Wrapper} so that callers never make the verifier load this class. */
    public static Handler.Wrapper create(AdmissionCore core, String contextAttribute, Handler next) {
        return new AdmissionHandler(core, contextAttribute, next);
    }

    private AdmissionHandler(AdmissionCore core, String contextAttribute, Handler next) {
        super(next);
        this.core = core;
        this.contextAttribute = contextAttribute;
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
        Ticket ticket = core.begin(Request.getPathInContext(request), headers.get("X-Request-Deadline"),
                headers.get("Request-Timeout"), clientHeader == null ? null : headers.get(clientHeader),
                Request.getRemoteAddr(request), length);
        if (ticket.rejection() != null) {
            return reject(response, callback, ticket.rejection());
        }
        Request downstream = request;
        if (AdmissionCore.hasBody(length, headers.contains(HttpHeader.TRANSFER_ENCODING), request.getMethod())) {
            byte[] body = core.readBody(ticket, Content.Source.asInputStream(request), length);
            if (body == null) {
                return reject(response, callback, ticket.rejection());
            }
            downstream = new BufferedRequest(request, body);
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

    static boolean reject(Response response, Callback callback, Rejection r) {
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
