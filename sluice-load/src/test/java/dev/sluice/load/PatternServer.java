package dev.sluice.load;

import java.net.URI;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.BlockingArrayQueue;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A tiny HTTP server for the generator's tests, on 127.0.0.1 and a free port. The n-th request to arrive
 * (counting from 0) is answered with {@code pattern[n % pattern.length]} after {@code delayMillis}; the
 * status {@link #HANG} is never answered while the server runs, so the client times out. Answers are
 * scheduled, not slept, so a slow answer holds no thread; the pool and its queue are bounded. It counts
 * requests per {@code X-Client-Id} header.
 */
final class PatternServer implements AutoCloseable {

    /** A pattern entry that is never answered while the server runs. */
    static final int HANG = -1;

    private final Server server;
    private final ServerConnector connector;
    private final int[] pattern;
    private final long delayMillis;
    private final AtomicLong arrivals = new AtomicLong();
    private final Map<String, LongAdder> perClient = new ConcurrentHashMap<>();

    PatternServer(long delayMillis, int... pattern) throws Exception {
        this.pattern = pattern.clone();
        this.delayMillis = delayMillis;
        QueuedThreadPool pool = new QueuedThreadPool(32, 8, 60_000, new BlockingArrayQueue<>(4096, 0, 4096));
        pool.setName("pattern-server");
        server = new Server(pool);
        server.setStopTimeout(0);
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                answer(request, response, callback);
                return true;
            }
        });
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/jobs");
    }

    long arrivals() {
        return arrivals.get();
    }

    Map<String, Long> perClient() {
        Map<String, Long> m = new TreeMap<>();
        perClient.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    private void answer(Request request, Response response, Callback callback) {
        try {
            Content.Source.consumeAll(request);
        } catch (java.io.IOException e) {
            callback.failed(e);
            return;
        }
        long n = arrivals.getAndIncrement();
        String client = request.getHeaders().get("X-Client-Id");
        perClient.computeIfAbsent(client == null ? "(none)" : client, k -> new LongAdder()).increment();
        int status = pattern[(int) (n % pattern.length)];
        if (status == HANG) {
            return; // the callback completes when the server stops and aborts the exchange
        }
        Runnable send = () -> {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            Content.Sink.write(response, true, "{}", callback);
        };
        if (delayMillis > 0) {
            Scheduler scheduler = server.getScheduler();
            scheduler.schedule(send, delayMillis, TimeUnit.MILLISECONDS);
        } else {
            send.run();
        }
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
