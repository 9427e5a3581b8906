package dev.sluice.load.internal;

import dev.sluice.load.LoadPlan;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Jetty's HTTP/1.1 client, chosen over the JDK's {@code java.net.http.HttpClient}: the JDK client's default
 * executor is an unbounded cached pool, and with a bounded executor (four threads, bounded queue) it stalled
 * here with hundreds of requests outstanding (0 of 500 reached a local server within 10 s at 250/s), while
 * Jetty's answered all of them; see {@code docs/bench/issue5-overload.md}.
 *
 * <p> Its thread pool has a fixed size and a bounded queue (Jetty's default queue grows
 * without bound). It opens at most the plan's {@code connections}; requests beyond them wait in Jetty's
 * per-destination queue, which is capped at the plan's in-flight limit (which the generator already
 * enforces, so that cap is never what refuses a request). A pool of connections, rather than one per
 * outstanding request, is what real clients use, and it keeps a storm of new connections from being what
 * is measured.
 */
final class JettyTransport implements Transport {

    private final LoadPlan plan;
    private final HttpClient client;
    private final byte[] body;
    private final boolean keepBodies;

    JettyTransport(LoadPlan plan, boolean keepBodies) {
        this.plan = plan;
        this.keepBodies = keepBodies;
        this.body = plan.body();
        // Jetty's selector and its reserved threads take some of these; fewer than ~8 starves the exchanges.
        int threads = Math.max(16, Runtime.getRuntime().availableProcessors() * 4);
        QueuedThreadPool pool = new QueuedThreadPool(threads, threads, 60_000,
                new ArrayBlockingQueue<>(Math.max(1024, plan.maxInFlight() * 4)));
        pool.setName("sluice-load-jetty");
        pool.setDaemon(true);
        client = new HttpClient();
        client.setExecutor(pool);
        client.setMaxConnectionsPerDestination(plan.connections());
        client.setMaxRequestsQueuedPerDestination(plan.maxInFlight());
        client.setConnectTimeout(plan.timeout().toMillis());
        client.setIdleTimeout(Math.max(30_000, plan.timeout().toMillis() * 2));
        client.setFollowRedirects(false);
        client.setUserAgentField(null);
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("could not start Jetty's HttpClient", e);
        }
    }

    @Override
    public Exchange exchange(String clientId) {
        Request req = client.newRequest(plan.target())
                .method(plan.method())
                .timeout(plan.timeout().toNanos(), TimeUnit.NANOSECONDS)
                .headers(h -> {
                    h.put(LoadPlan.CLIENT_ID_HEADER, clientId);
                    for (Map.Entry<String, String> e : plan.headers().entrySet()) {
                        h.put(e.getKey(), e.getValue());
                    }
                });
        if (body.length > 0) {
            req.body(new BytesRequestContent("application/json", body));
        }
        try {
            ContentResponse r = req.send();
            return new Exchange.Answered(r.getStatus(), keepBodies ? r.getContentAsString() : null);
        } catch (TimeoutException e) {
            return Exchange.TIMED_OUT;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof TimeoutException) {
                return Exchange.TIMED_OUT;
            }
            return new Exchange.Failed(describe(cause));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Exchange.Failed("interrupted");
        } catch (RuntimeException e) {
            return new Exchange.Failed(describe(e));
        }
    }

    private static String describe(Throwable t) {
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    @Override
    public void close() {
        try {
            client.stop();
        } catch (Exception e) {
            // Stopping aborts outstanding exchanges; a failure here leaves nothing we could still release.
        }
    }
}
