package dev.sluice.examples;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.BusyException;
import dev.sluice.Context;
import dev.sluice.limit.TokenBucket;
import dev.sluice.retry.RetryBudget;
import dev.sluice.retry.RetryPolicy;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * An outbound HTTP client that is a good citizen of the service it calls: every attempt, first or retry,
 * takes a token from a {@link TokenBucket} (so calls per second never exceed the agreed rate, however
 * many threads call it), and retries back off with full jitter and draw on a shared {@link RetryBudget}
 * (so when the server is failing, retries add at most 10% to the load instead of multiplying it — the
 * guide's retry storm).
 *
 * <p>The example starts a flaky server on loopback that answers one request in three with 503, calls it
 * from 8 virtual threads, and prints what the server saw: its busiest second against the limit, and the
 * retries against the budget. Run it with {@code ./sluice example rate-limited-client}.
 */
public final class RateLimitedClient {

    /** The server answered 503: overload, worth retrying later. */
    static final class ServerBusyException extends BusyException {
        ServerBusyException(String message) {
            super(message);
        }
    }

    private final HttpClient http;
    private final URI target;
    private final TokenBucket bucket;
    private final RetryPolicy retry;
    private final LongConsumer onAttempt;

    /** {@code onAttempt} is told the {@link System#nanoTime()} of each attempt, once it holds its token. */
    RateLimitedClient(HttpClient http, URI target, TokenBucket bucket, RetryPolicy retry, LongConsumer onAttempt) {
        this.http = Objects.requireNonNull(http, "http");
        this.target = Objects.requireNonNull(target, "target");
        this.bucket = Objects.requireNonNull(bucket, "bucket");
        this.retry = Objects.requireNonNull(retry, "retry");
        this.onAttempt = Objects.requireNonNull(onAttempt, "onAttempt");
    }

    /**
     * Calls the server, retrying 503s within the policy and the budget. Each attempt first waits for a
     * token, at most until {@code context} is done.
     *
     * @return the response body
     * @throws ServerBusyException the last 503, when the retries are used up or the budget refuses one
     */
    String call(Context context) throws Exception {
        return retry.call(context, ctx -> {
            bucket.acquire(ctx, 1);
            onAttempt.accept(System.nanoTime());
            HttpRequest request = HttpRequest.newBuilder(target).timeout(timeout(ctx)).GET().build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 503) {
                throw new ServerBusyException("server busy (503)");
            }
            if (response.statusCode() != 200) {
                throw new IOException("unexpected status " + response.statusCode());
            }
            return response.body();
        });
    }

    private static Duration timeout(Context ctx) {
        return ctx.hasDeadline() ? Duration.ofNanos(Math.max(1, ctx.remainingNanos())) : Duration.ofSeconds(10);
    }

    // ---------------------------------------------------------------- the flaky server

    /** A loopback server that fails every third request with 503 and records when each arrived. */
    static final class FlakyServer implements AutoCloseable {
        private final HttpServer server;
        private final ThreadPoolExecutor executor;
        private final long[] arrivals;
        private final AtomicInteger count = new AtomicInteger();

        FlakyServer(int maxRequests) throws IOException {
            arrivals = new long[maxRequests];
            executor = new ThreadPoolExecutor(4, 4, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(256));
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            server.setExecutor(executor);
            server.createContext("/", exchange -> {
                int n = count.getAndIncrement();
                if (n < arrivals.length) {
                    arrivals[n] = System.nanoTime();
                }
                byte[] body = (n % 3 == 2 ? "busy" : "ok " + n).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(n % 3 == 2 ? 503 : 200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
        }

        int requests() {
            return count.get();
        }

        /** The most requests that arrived within any window of {@code window}. */
        int busiestWindow(Duration window) {
            return RateLimitedClient.busiestWindow(arrivals, Math.min(count.get(), arrivals.length), window);
        }

        @Override
        public void close() {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    /** The most of the first {@code n} instants (nanoTime values, any order) that fall within one {@code window}. */
    static int busiestWindow(long[] instants, int n, Duration window) {
        long[] t = Arrays.copyOf(instants, n);
        Arrays.sort(t);
        int best = 0;
        for (int lo = 0, hi = 0; hi < n; hi++) {
            while (t[hi] - t[lo] >= window.toNanos()) {
                lo++;
            }
            best = Math.max(best, hi - lo + 1);
        }
        return best;
    }

    // ---------------------------------------------------------------- the runnable example

    /** What a run measured. */
    record Result(int calls, long succeeded, long failed, int serverRequests, int busiestSecond, int busiestClientSecond,
                  long limitPerSecond,
                  long burst, RetryBudget.Snapshot budget, double budgetRatio, int budgetReserve) {
    }

    static Result exercise(int calls, int threads, long ratePerSecond, long burst) throws Exception {
        double ratio = 0.1;
        int reserve = 5;
        HttpClient http = null;
        ThreadPoolExecutor httpExecutor = new ThreadPoolExecutor(2, 2, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1024),
                new ThreadPoolExecutor.CallerRunsPolicy());
        try (FlakyServer server = new FlakyServer(calls * 4)) {
            http = HttpClient.newBuilder().executor(httpExecutor).version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            TokenBucket bucket = TokenBucket.builder().rate(ratePerSecond, Duration.ofSeconds(1)).burst(burst).build();
            RetryBudget budget = RetryBudget.builder().ratio(ratio).reserve(reserve).window(Duration.ofSeconds(60)).build();
            RetryPolicy retry = RetryPolicy.builder().maxAttempts(4).initialDelay(Duration.ofMillis(20))
                    .maxDelay(Duration.ofMillis(200)).budget(budget).build();
            long[] attempts = new long[calls * 4];
            AtomicInteger attemptCount = new AtomicInteger();
            RateLimitedClient client = new RateLimitedClient(http, server.uri(), bucket, retry, t -> {
                int i = attemptCount.getAndIncrement();
                if (i < attempts.length) {
                    attempts[i] = t;
                }
            });

            LongAdder ok = new LongAdder();
            LongAdder failed = new LongAdder();
            AtomicLong next = new AtomicLong();
            AtomicLong unexpected = new AtomicLong();
            Thread[] workers = new Thread[threads];
            for (int i = 0; i < threads; i++) {
                workers[i] = Thread.ofVirtual().name("caller-" + i).start(() -> {
                    while (next.getAndIncrement() < calls) {
                        try (var ctx = Context.background().withTimeout(Duration.ofSeconds(30)).withCancel()) {
                            client.call(ctx);
                            ok.increment();
                        } catch (ServerBusyException e) {
                            failed.increment();
                        } catch (Exception e) {
                            unexpected.incrementAndGet();
                            failed.increment();
                        }
                    }
                });
            }
            for (Thread w : workers) {
                if (!w.join(Duration.ofMinutes(2))) {
                    throw new IllegalStateException("a caller did not finish: " + w);
                }
            }
            if (unexpected.get() > 0) {
                throw new IllegalStateException(unexpected.get() + " calls failed for a reason other than 503");
            }
            int clientBusiest = busiestWindow(attempts, Math.min(attemptCount.get(), attempts.length), Duration.ofSeconds(1));
            return new Result(calls, ok.sum(), failed.sum(), server.requests(), server.busiestWindow(Duration.ofSeconds(1)),
                    clientBusiest, ratePerSecond, burst, budget.snapshot(), ratio, reserve);
        } finally {
            if (http != null) {
                http.shutdownNow();
            }
            httpExecutor.shutdownNow();
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Flags f = new Flags("rate-limited-client")
                .declare("calls", 300, "calls made in all")
                .declare("threads", 8, "virtual threads making them")
                .declare("rate", 100, "tokens per second the client may spend")
                .declare("burst", 10, "tokens the bucket holds");
        int calls;
        int threads;
        int rate;
        int burst;
        try {
            f.parse(args);
            calls = f.positiveInt("calls");
            threads = f.positiveInt("threads");
            rate = f.positiveInt("rate");
            burst = f.positiveInt("burst");
        } catch (IllegalArgumentException e) {
            err.println("rate-limited-client: " + e.getMessage());
            err.println(f.usage());
            return 2;
        }
        if (f.help()) {
            out.println(f.usage());
            return 0;
        }
        Result r = exercise(calls, threads, rate, burst);
        RetryBudget.Snapshot b = r.budget();
        if (f.machine()) {
            out.printf(Locale.ROOT, "calls=%d%nsucceeded=%d%nfailed=%d%nserverRequests=%d%nbusiestSecond=%d%n"
                            + "busiestClientSecond=%d%nlimit=%d%nburst=%d%nbudget.requests=%d%nbudget.retries=%d%n"
                            + "budget.refused=%d%nbudget.allowed=%d%n",
                    r.calls(), r.succeeded(), r.failed(), r.serverRequests(), r.busiestSecond(), r.busiestClientSecond(),
                    r.limitPerSecond(),
                    r.burst(), b.requests(), b.retries(), b.refusedRetries(),
                    (long) Math.floor(r.budgetRatio() * b.requests()) + r.budgetReserve());
            return 0;
        }
        out.printf(Locale.ROOT, "%d calls from %d virtual threads to a server that answers 1 in 3 with 503;"
                + " limit %d/s (burst %d), retry budget 10%% + %d.%n%n", calls, threads, rate, burst, r.budgetReserve());
        out.printf(Locale.ROOT, "  succeeded %d, failed %d (503 and no retry left)%n", r.succeeded(), r.failed());
        out.printf(Locale.ROOT, "  server saw %d requests; busiest second: %d at the client, %d at the server"
                + " (limit %d + burst %d)%n", r.serverRequests(), r.busiestClientSecond(), r.busiestSecond(), rate, burst);
        out.printf(Locale.ROOT, "  retries granted %d, refused by the budget %d; at most %d allowed for %d calls%n",
                b.retries(), b.refusedRetries(), (long) Math.floor(r.budgetRatio() * b.requests()) + r.budgetReserve(),
                b.requests());
        out.printf(Locale.ROOT, "%nWithout the budget each of the ~%d failures could have been retried 3 times.%n", calls / 3);
        return 0;
    }
}
