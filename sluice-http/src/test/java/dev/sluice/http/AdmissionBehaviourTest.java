package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Context;
import dev.sluice.http.TestServer.Mode;
import dev.sluice.limit.Discipline;
import java.io.IOException;
import dev.sluice.limit.KeyedLimiter;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The behaviour of admission control seen from a client, run against both the servlet filter and the
 * Jetty handler so that the two cannot drift apart.
 */
@Timeout(30)
class AdmissionBehaviourTest {

    private static final Instant NOW = Instant.parse("2026-12-01T07:00:00Z");

    private TestServer server;
    private AdmissionControl admission;
    private final AtomicInteger appCalls = new AtomicInteger();
    /** Permits handed out to requests blocked in /block; each blocked request releases one on entry. */
    private final Semaphore entered = new Semaphore(0);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicReference<Context> seenContext = new AtomicReference<>();
    private final AtomicInteger concurrent = new AtomicInteger();
    private final AtomicInteger maxConcurrent = new AtomicInteger();
    /** The paths of the /block... requests, in the order the application saw them. */
    private final List<String> blockedPaths = new CopyOnWriteArrayList<>();

    private int start(Mode mode, AdmissionControl.Builder builder) throws Exception {
        admission = builder.wallClock(InstantSource.fixed(NOW)).build();
        server = new TestServer(mode, admission, this::app);
        return server.port();
    }

    private String app(String path, byte[] body, Context ctx) throws Exception {
        appCalls.incrementAndGet();
        seenContext.set(ctx);
        if (path.contains("block")) {
            blockedPaths.add(path);
            entered.release();
            assertThat(release.await(20, TimeUnit.SECONDS)).isTrue();
            return "released";
        }
        if (path.equals("/throw")) {
            throw new IllegalStateException("boom from the application");
        }
        if (path.equals("/count")) {
            int now = concurrent.incrementAndGet();
            maxConcurrent.accumulateAndGet(now, Math::max);
            long end = System.nanoTime() + 200_000; // hold the slot a little (busy, not sleeping)
            while (System.nanoTime() - end < 0) {
                Thread.onSpinWait();
            }
            concurrent.decrementAndGet();
            return "counted";
        }
        if (path.equals("/shed")) {
            return "STATUS 503 the application is overloaded";
        }
        if (path.equals("/async")) {
            return "ASYNC";
        }
        if (path.equals("/async-complete")) {
            entered.release();
            assertThat(release.await(20, TimeUnit.SECONDS)).isTrue();
            return "async done";
        }
        return "ok len=" + body.length + " deadline=" + ctx.hasDeadline() + " remainingMs=" + ctx.remaining().toMillis();
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        if (server != null) {
            server.close();
        }
        if (admission != null) {
            assertThat(admission.stats().inflight()).as("slots left held after the test").isZero();
        }
        Poll.until("no server thread left behind", () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("test-jetty") && t.isAlive()));
    }

    // ------------------------------------------------------------------ basic admission and context

    @ParameterizedTest
    @EnumSource(Mode.class)
    void admitsARequestAndCountsIt(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().limit(4));
        RawHttp.Reply r = RawHttp.get(port, "/cpu", Map.of());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).startsWith("ok len=0 deadline=false");
        Poll.until("slot released", () -> admission.stats().inflight() == 0);
        AdmissionStats s = admission.stats();
        assertThat(s.requests()).isEqualTo(1);
        assertThat(s.admitted()).isEqualTo(1);
        assertThat(s.rejected()).isZero();
        assertThat(s.waited()).isZero();
        // Without a deadline header, a server budget or cancelContextAtEnd, the context never ends.
        assertThat(seenContext.get().hasDeadline()).isFalse();
        assertThat(seenContext.get().isDone()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void requestTimeoutHeaderBecomesTheContextDeadline(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().cancelContextAtEnd(true));
        RawHttp.Reply r = RawHttp.get(port, "/cpu", Map.of("Request-Timeout", "2s"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("deadline=true");
        long ms = Long.parseLong(r.body().replaceAll(".*remainingMs=", "").trim());
        assertThat(ms).isBetween(1L, 2000L);
        // The context is cancelled once the request is over, so work left behind notices.
        Poll.until("context cancelled after the request", () -> seenContext.get().isDone());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void serverBudgetShortensALongerClientDeadline(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().serverBudget(Duration.ofMillis(300)));
        RawHttp.Reply r = RawHttp.get(port, "/cpu", Map.of("Request-Timeout", "60000"));
        long ms = Long.parseLong(r.body().replaceAll(".*remainingMs=", "").trim());
        assertThat(ms).isBetween(1L, 300L);
        RawHttp.Reply none = RawHttp.get(port, "/cpu", Map.of());
        assertThat(none.body()).contains("deadline=true");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void absoluteDeadlineInEpochMillisOrRfc3339(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder());
        long inOneSecond = NOW.plusSeconds(1).toEpochMilli();
        RawHttp.Reply millis = RawHttp.get(port, "/cpu", Map.of("X-Request-Deadline", Long.toString(inOneSecond)));
        assertThat(millis.status()).isEqualTo(200);
        long ms = Long.parseLong(millis.body().replaceAll(".*remainingMs=", "").trim());
        assertThat(ms).isBetween(1L, 1000L);
        RawHttp.Reply rfc = RawHttp.get(port, "/cpu", Map.of("X-Request-Deadline", "2026-12-01T08:00:01.500+01:00"));
        assertThat(rfc.status()).isEqualTo(200);
        long ms2 = Long.parseLong(rfc.body().replaceAll(".*remainingMs=", "").trim());
        assertThat(ms2).isBetween(1L, 1500L);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void passedDeadlineIsNotStartedAndGets504(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder());
        RawHttp.Reply past = RawHttp.get(port, "/cpu", Map.of("X-Request-Deadline", "2026-12-01T06:59:59Z"));
        RawHttp.Reply zero = RawHttp.get(port, "/cpu", Map.of("Request-Timeout", "0ms"));
        assertThat(past.status()).isEqualTo(504);
        assertThat(zero.status()).isEqualTo(504);
        assertThat(past.header("Retry-After")).isNull();
        assertThat(appCalls.get()).isZero();
        assertThat(admission.stats().rejectedDeadline()).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void malformedDeadlineHeadersGet400WithTheReason(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder());
        RawHttp.Reply a = RawHttp.get(port, "/cpu", Map.of("Request-Timeout", "soon"));
        RawHttp.Reply b = RawHttp.get(port, "/cpu", Map.of("Request-Timeout", "-5ms"));
        RawHttp.Reply c = RawHttp.get(port, "/cpu", Map.of("X-Request-Deadline", "tomorrow at noon"));
        RawHttp.Reply d = RawHttp.get(port, "/cpu", Map.of("Request-Timeout", "999999999999s"));
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.body()).contains("malformed Request-Timeout header 'soon'");
        assertThat(b.status()).isEqualTo(400);
        assertThat(c.status()).isEqualTo(400);
        assertThat(c.body()).contains("X-Request-Deadline").contains("RFC 3339");
        assertThat(d.status()).isEqualTo(400);
        assertThat(d.body()).contains("longer than 24 hours");
        assertThat(appCalls.get()).isZero();
        assertThat(admission.stats().rejectedBadRequest()).isEqualTo(4);
    }

    // ------------------------------------------------------------------ concurrency, waiting, 503

    @ParameterizedTest
    @EnumSource(Mode.class)
    void waitsForASlotAndIsAdmittedWhenOneFrees(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().limit(1).waitBudget(Duration.ofSeconds(10)));
        Thread holder = Thread.ofPlatform().start(() -> call(port, "/block"));
        assertThat(entered.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        AtomicReference<RawHttp.Reply> second = new AtomicReference<>();
        Thread waiter = Thread.ofPlatform().start(() -> second.set(call(port, "/cpu")));
        Poll.until("second request waits for the slot", () -> admission.stats().waiting() == 1);
        release.countDown();
        waiter.join(10_000);
        holder.join(10_000);
        assertThat(second.get().status()).isEqualTo(200);
        AdmissionStats s = admission.stats();
        assertThat(s.waited()).isEqualTo(1);
        assertThat(s.admitted()).isEqualTo(2);
        assertThat(s.waitNanos()).isPositive();
        assertThat(s.rejectedBusy()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void waitsTheBudgetThenGets503WithComputedRetryAfter(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().limit(1).waitBudget(Duration.ofMillis(100)));
        Thread holder = Thread.ofPlatform().start(() -> call(port, "/block"));
        assertThat(entered.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        long t0 = System.nanoTime();
        RawHttp.Reply r = RawHttp.get(port, "/cpu", Map.of());
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.status()).isEqualTo(503);
        assertThat(tookMs).isGreaterThanOrEqualTo(100);
        assertThat(Long.parseLong(r.header("Retry-After"))).isBetween(1L, 300L);
        AdmissionStats s = admission.stats();
        assertThat(s.waitTimeouts()).isEqualTo(1);
        assertThat(s.rejectedBusy()).isEqualTo(1);
        assertThat(s.waitNanos()).isGreaterThanOrEqualTo(Duration.ofMillis(100).toNanos());
        release.countDown();
        holder.join(10_000);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    @Timeout(300) // grows with SLUICE_STRESS_SCALE
    void underConcurrentLoadTheLimitHoldsAndEveryRequestIsAnsweredAndCounted(Mode mode) throws Exception {
        int limit = 3;
        int clients = 16;
        int perClient = (int) Math.ceil(25 * stressScale()); // SLUICE_STRESS_SCALE, as sluice-core's stress tests
        int port = start(mode, AdmissionControl.builder().limit(limit).waitBudget(Duration.ofMillis(5)));
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger busy = new AtomicInteger();
        AtomicInteger other = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            threads.add(Thread.ofPlatform().name("client-" + i).start(() -> {
                for (int j = 0; j < perClient; j++) {
                    int status = call(port, "/count").status();
                    (status == 200 ? ok : status == 503 ? busy : other).incrementAndGet();
                }
            }));
        }
        for (Thread t : threads) {
            t.join(Math.max(20_000, (long) (perClient * 800L)));
            assertThat(t.isAlive()).isFalse();
        }
        System.out.printf("%s: %d requests, %d admitted, %d refused with 503, at most %d at once%n", mode,
                clients * perClient, ok.get(), busy.get(), maxConcurrent.get());
        assertThat(other.get()).isZero();
        assertThat(ok.get() + busy.get()).isEqualTo(clients * perClient);
        assertThat(maxConcurrent.get()).as("requests in the application at once").isBetween(1, limit);
        Poll.until("every slot released", () -> admission.stats().inflight() == 0);
        AdmissionStats s = admission.stats();
        assertThat(s.requests()).isEqualTo(clients * perClient);
        assertThat(s.admitted()).isEqualTo(ok.get());
        assertThat(s.rejectedBusy()).isEqualTo(busy.get());
        assertThat(s.waiting()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void retryAfterGrowsWithTheObservedServiceTime(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().limit(1).waitBudget(Duration.ZERO));
        // One slow request (held until released) teaches the class its service time.
        Thread holder = Thread.ofPlatform().start(() -> call(port, "/block"));
        assertThat(entered.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        RawHttp.Reply early = RawHttp.get(port, "/cpu", Map.of());
        assertThat(early.status()).isEqualTo(503);
        assertThat(early.header("Retry-After")).isEqualTo("1"); // nothing observed yet: the floor
        assertThat(admission.routeClassStats().getLast().serviceNanos()).isZero();
        release.countDown();
        holder.join(10_000);
        Poll.until("service time observed", () -> admission.routeClassStats().getLast().serviceNanos() > 0);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void bulkheadKeepsSlowUploadsFromTakingOtherSlots(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().limit(2)
                .routeClass("upload", "/upload", 1, Duration.ZERO));
        Thread upload = Thread.ofPlatform().start(() -> call(port, "/upload/block"));
        assertThat(entered.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        RawHttp.Reply secondUpload = RawHttp.send(port, "POST", "/upload/x", Map.of(), new byte[10]);
        RawHttp.Reply cpu = RawHttp.get(port, "/cpu", Map.of());
        assertThat(secondUpload.status()).isEqualTo(503);
        assertThat(secondUpload.body()).contains("'upload'");
        assertThat(cpu.status()).isEqualTo(200);
        RouteClassStats up = admission.routeClassStats().get(0);
        RouteClassStats def = admission.routeClassStats().get(1);
        assertThat(up.name()).isEqualTo("upload");
        assertThat(up.inflight()).isEqualTo(1);
        assertThat(up.rejected()).isEqualTo(1);
        assertThat(def.name()).isEqualTo(AdmissionControl.DEFAULT_ROUTE_CLASS);
        assertThat(def.admitted()).isEqualTo(1);
        release.countDown();
        upload.join(10_000);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void lifoOrderGivesAFreedSlotToTheNewestWaiter(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().limit(1).waitBudget(Duration.ofSeconds(10))
                .discipline(Discipline.LIFO_CODEL));
        Thread holder = Thread.ofPlatform().start(() -> call(port, "/block-holder"));
        assertThat(entered.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        Thread older = Thread.ofPlatform().start(() -> call(port, "/block-older"));
        Poll.until("the older request waits", () -> admission.stats().waiting() == 1);
        Thread newer = Thread.ofPlatform().start(() -> call(port, "/block-newer"));
        Poll.until("both wait", () -> admission.stats().waiting() == 2);
        release.countDown();
        for (Thread t : List.of(holder, older, newer)) {
            t.join(10_000);
        }
        assertThat(blockedPaths).containsExactly("/block-holder", "/block-newer", "/block-older");
        assertThat(admission.stats().admitted()).isEqualTo(3);
        assertThat(admission.stats().rejectedBusy()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void lifoOrderRefusesAWaiterEarlyOnceAQueueHasStoodForTheBudget(Mode mode) throws Exception {
        // Budget 600 ms: the queue counts as standing once it has been non-empty that long, and from then on
        // a waiter that has queued past the 30 ms target is shed. A request that joins the queue late is
        // therefore refused when the queue turns standing, long before its own 600 ms are up.
        Duration budget = Duration.ofMillis(600);
        int port = start(mode, AdmissionControl.builder().limit(1).waitBudget(budget)
                .discipline(Discipline.LIFO_CODEL).targetQueueDelay(Duration.ofMillis(30)));
        Thread holder = Thread.ofPlatform().start(() -> call(port, "/block"));
        assertThat(entered.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        AtomicReference<RawHttp.Reply> first = new AtomicReference<>();
        long firstStart = System.nanoTime();
        Thread firstWaiter = Thread.ofPlatform().start(() -> first.set(call(port, "/cpu")));
        Poll.until("the first request waits", () -> admission.stats().waiting() == 1);
        // Let the queue stand for most of the budget: the passing of time is what is under test here.
        Poll.until("400 ms have passed", () -> System.nanoTime() - firstStart > Duration.ofMillis(400).toNanos());
        long lateStart = System.nanoTime();
        RawHttp.Reply late = RawHttp.get(port, "/cpu", Map.of());
        long lateMs = (System.nanoTime() - lateStart) / 1_000_000;
        firstWaiter.join(10_000);
        assertThat(late.status()).isEqualTo(503);
        assertThat(late.body()).contains("queueing-delay target");
        assertThat(late.header("Retry-After")).isNotNull();
        assertThat(lateMs).as("the late request was refused before its own budget ran out").isLessThan(500);
        assertThat(first.get().status()).isEqualTo(503);
        assertThat(admission.stats().rejectedBusy()).isEqualTo(2);
        release.countDown();
        holder.join(10_000);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void fullWaitQueueGets503AtOnce(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().limit(1).maxWaiters(0).waitBudget(Duration.ofSeconds(10)));
        Thread holder = Thread.ofPlatform().start(() -> call(port, "/block"));
        assertThat(entered.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        RawHttp.Reply r = RawHttp.get(port, "/cpu", Map.of());
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.body()).contains("too many requests waiting");
        assertThat(r.header("Retry-After")).isNotNull();
        assertThat(admission.stats().waitTimeouts()).isZero();
        release.countDown();
        holder.join(10_000);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void deadlinePassingWhileWaitingGets504NotA503(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().limit(1).waitBudget(Duration.ofSeconds(10)));
        Thread holder = Thread.ofPlatform().start(() -> call(port, "/block"));
        assertThat(entered.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        RawHttp.Reply r = RawHttp.get(port, "/cpu", Map.of("Request-Timeout", "100ms"));
        assertThat(r.status()).isEqualTo(504);
        assertThat(r.body()).contains("deadline passed while it waited");
        AdmissionStats s = admission.stats();
        assertThat(s.rejectedDeadline()).isEqualTo(1);
        assertThat(s.rejectedBusy()).isZero();
        assertThat(s.waited()).isEqualTo(1);
        release.countDown();
        holder.join(10_000);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void closedAdmissionControlAnswers503AndLetsAdmittedRequestsFinish(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().limit(2));
        AtomicReference<RawHttp.Reply> held = new AtomicReference<>();
        Thread holder = Thread.ofPlatform().start(() -> held.set(call(port, "/block")));
        assertThat(entered.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        admission.close();
        RawHttp.Reply r = RawHttp.get(port, "/cpu", Map.of());
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.body()).contains("shutting down");
        release.countDown();
        holder.join(10_000);
        assertThat(held.get().status()).isEqualTo(200);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void downstream503ShrinksAnAdaptiveLimit(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder()
                .limit(dev.sluice.limit.AimdLimit.builder().initialLimit(10).maxLimit(20).backoffRatio(0.9).build()));
        assertThat(admission.routeClassStats().getLast().limit()).isEqualTo(10);
        RawHttp.Reply r = RawHttp.get(port, "/shed", Map.of());
        assertThat(r.status()).isEqualTo(503);
        Poll.until("slot released", () -> admission.stats().inflight() == 0);
        assertThat(admission.routeClassStats().getLast().limit()).isEqualTo(9);
        assertThat(admission.stats().rejectedBusy()).as("a downstream 503 is not ours").isZero();
    }

    // ------------------------------------------------------------------ per-client rate, 429

    @ParameterizedTest
    @EnumSource(Mode.class)
    void emptyClientBucketGets429WithRetryAfterFromTheBucket(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().perClientRate(1, Duration.ofSeconds(10), 1));
        assertThat(RawHttp.get(port, "/cpu", Map.of()).status()).isEqualTo(200);
        RawHttp.Reply r = RawHttp.get(port, "/cpu", Map.of());
        assertThat(r.status()).isEqualTo(429);
        assertThat(Long.parseLong(r.header("Retry-After"))).isBetween(9L, 10L);
        assertThat(admission.stats().rejectedRate()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void refusedBodilessRequestsKeepTheirConnection(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().perClientRate(1, Duration.ofSeconds(10), 1));
        try (RawHttp c = new RawHttp(port)) {
            c.writeHead("GET", "/cpu", Map.of(), -1, false);
            assertThat(c.readReply().status()).isEqualTo(200);
            c.writeHead("GET", "/cpu", Map.of(), -1, false);
            RawHttp.Reply refused = c.readReply();
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.header("Connection")).isNull();
            c.writeHead("GET", "/cpu", Map.of("Request-Timeout", "bad"), -1, false);
            assertThat(c.readReply().status()).as("same connection, still open").isEqualTo(400);
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void clientKeyHeaderSeparatesClientsAndFallsBackToTheAddress(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().perClientRate(1, Duration.ofSeconds(10), 1)
                .clientKeyHeader("X-Client-Id"));
        assertThat(RawHttp.get(port, "/cpu", Map.of("X-Client-Id", "a")).status()).isEqualTo(200);
        assertThat(RawHttp.get(port, "/cpu", Map.of("X-Client-Id", "b")).status()).isEqualTo(200);
        assertThat(RawHttp.get(port, "/cpu", Map.of("X-Client-Id", "a")).status()).isEqualTo(429);
        assertThat(RawHttp.get(port, "/cpu", Map.of()).status()).isEqualTo(200); // keyed by 127.0.0.1
        assertThat(RawHttp.get(port, "/cpu", Map.of()).status()).isEqualTo(429);
        assertThat(admission.clientLimiter().size()).isEqualTo(3);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aGivenClientLimiterDecidesAndOneThatCannotDecideGives503(Mode mode) throws Exception {
        java.util.concurrent.atomic.AtomicBoolean storeDown = new java.util.concurrent.atomic.AtomicBoolean();
        KeyedLimiter<String> local = KeyedLimiter.<String>builder().tokenBucket(1, Duration.ofSeconds(10), 1).build();
        KeyedLimiter<String> shared = new KeyedLimiter<>() {
            private dev.sluice.limit.Permit check(String key, int w) {
                if (storeDown.get()) {
                    throw new dev.sluice.BusyException("store unreachable");
                }
                return local.tryAcquire(key, w);
            }

            @Override public dev.sluice.limit.Permit tryAcquire(String key) { return check(key, 1); }
            @Override public dev.sluice.limit.Permit tryAcquire(String key, int w) { return check(key, w); }
            @Override public dev.sluice.limit.Permit acquire(String key, dev.sluice.Context c) { return check(key, 1); }
            @Override public dev.sluice.limit.Permit acquire(String key, dev.sluice.Context c, int w) { return check(key, w); }
            @Override public long nanosUntilAvailable(String key, int w) {
                if (storeDown.get()) {
                    throw new dev.sluice.BusyException("store unreachable");
                }
                return local.nanosUntilAvailable(key, w);
            }
            @Override public int size() { return local.size(); }
            @Override public int maxKeys() { return local.maxKeys(); }
            @Override public long evictions() { return local.evictions(); }
            @Override public void cleanUp() { local.cleanUp(); }
        };
        int port = start(mode, AdmissionControl.builder().clientLimiter(shared).clientKeyHeader("X-Client-Id"));
        assertThat(admission.clientLimiter()).isSameAs(shared);
        assertThat(RawHttp.get(port, "/cpu", Map.of("X-Client-Id", "a")).status()).isEqualTo(200);
        RawHttp.Reply limited = RawHttp.get(port, "/cpu", Map.of("X-Client-Id", "a"));
        assertThat(limited.status()).isEqualTo(429);
        assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(9L, 10L);
        storeDown.set(true);
        RawHttp.Reply down = RawHttp.get(port, "/cpu", Map.of("X-Client-Id", "b"));
        assertThat(down.status()).isEqualTo(503);
        assertThat(down.header("Retry-After")).isEqualTo("1");
        assertThat(admission.stats().rejectedRate()).isEqualTo(1);
        assertThat(admission.stats().rejectedBusy()).isEqualTo(1);
        assertThat(admission.stats().inflight()).isZero();
    }

    // ------------------------------------------------------------------ releasing on failure

    @ParameterizedTest
    @EnumSource(Mode.class)
    void slotIsReleasedWhenTheApplicationThrows(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().limit(1));
        RawHttp.Reply r = RawHttp.get(port, "/throw", Map.of());
        assertThat(r.status()).isEqualTo(500);
        Poll.until("slot released", () -> admission.stats().inflight() == 0);
        assertThat(admission.stats().failed()).isEqualTo(1);
        assertThat(RawHttp.get(port, "/cpu", Map.of()).status()).isEqualTo(200);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void slotIsReleasedWhenTheClientDisconnects(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().limit(1));
        RawHttp c = new RawHttp(port);
        c.writeHead("GET", "/block", Map.of(), -1, false);
        assertThat(entered.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        assertThat(admission.stats().inflight()).isEqualTo(1);
        c.close();
        release.countDown();
        Poll.until("slot released after the client left", () -> admission.stats().inflight() == 0);
        assertThat(RawHttp.get(port, "/cpu", Map.of()).status()).isEqualTo(200);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void asyncRequestHoldsItsSlotUntilItCompletes(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().limit(1).waitBudget(Duration.ZERO));
        AtomicReference<RawHttp.Reply> reply = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> reply.set(call(port, "/async")));
        assertThat(entered.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        // The request's thread has returned from the filter or handler, but the work is still running.
        assertThat(admission.stats().inflight()).isEqualTo(1);
        assertThat(RawHttp.get(port, "/cpu", Map.of()).status()).isEqualTo(503);
        release.countDown();
        t.join(10_000);
        assertThat(reply.get().status()).isEqualTo(200);
        assertThat(reply.get().body()).isEqualTo("async done");
        Poll.until("slot released after async completion", () -> admission.stats().inflight() == 0);
    }

    // ------------------------------------------------------------------ bodies: 413, 408

    @ParameterizedTest
    @EnumSource(Mode.class)
    void bodyIsReadAndHandedToTheApplication(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().maxBodyBytes(1000));
        RawHttp.Reply fixed = RawHttp.send(port, "POST", "/echo", Map.of(), new byte[1000]);
        assertThat(fixed.status()).isEqualTo(200);
        assertThat(fixed.body()).startsWith("ok len=1000 ");
        try (RawHttp c = new RawHttp(port)) {
            c.writeHead("POST", "/echo", Map.of("Transfer-Encoding", "chunked"), -1, true);
            c.write("1f4\r\n" + "x".repeat(500) + "\r\n1f4\r\n" + "y".repeat(500) + "\r\n0\r\n\r\n");
            RawHttp.Reply chunked = c.readReply();
            assertThat(chunked.status()).isEqualTo(200);
            assertThat(chunked.body()).startsWith("ok len=1000 ");
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void declaredGigabyteBodyIsRefusedWith413BeforeItIsRead(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().maxBodyBytes(64 * 1024));
        try (RawHttp c = new RawHttp(port)) {
            long t0 = System.nanoTime();
            c.writeHead("POST", "/echo", Map.of(), 1L << 30, false);
            c.write(new byte[16 * 1024]); // a little of the promised gigabyte, then wait for the answer
            RawHttp.Reply r = c.readReply();
            // The answer came while the client had sent 16 KiB of the gigabyte: the server cannot have read more.
            assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until the 413").isLessThan(5_000);
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.body()).contains("1073741824 bytes is over the limit of 65536");
            assertThat(r.header("Connection")).isEqualTo("close");
        }
        assertThat(appCalls.get()).isZero();
        AdmissionStats s = admission.stats();
        assertThat(s.rejectedBodyTooLarge()).isEqualTo(1);
        assertThat(s.admitted()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void chunkedBodyGrowingOverTheCapGets413(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().maxBodyBytes(1000));
        try (RawHttp c = new RawHttp(port)) {
            c.writeHead("POST", "/echo", Map.of("Transfer-Encoding", "chunked"), -1, false);
            c.write("258\r\n" + "x".repeat(600) + "\r\n258\r\n" + "y".repeat(600) + "\r\n");
            RawHttp.Reply r = c.readReply(); // the terminating chunk was never sent: refused while streaming
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.body()).contains("over the limit of 1000 bytes");
        }
        assertThat(appCalls.get()).isZero();
        assertThat(admission.stats().rejectedBodyTooLarge()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void slowlorisBodyGets408AndNeverHoldsASlot(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().limit(1).waitBudget(Duration.ZERO)
                .bodyReadBudget(Duration.ofMillis(300)));
        CountDownLatch answered = new CountDownLatch(1);
        AtomicReference<RawHttp.Reply> reply = new AtomicReference<>();
        AtomicInteger bytesSent = new AtomicInteger();
        try (RawHttp c = new RawHttp(port)) {
            c.writeHead("POST", "/echo", Map.of(), 10_000, false);
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    reply.set(c.readReply());
                } catch (IOException e) {
                    throw new AssertionError(e);
                } finally {
                    answered.countDown();
                }
            });
            // One byte every 20 ms (paced on the answer latch, so the loop ends as soon as the server answers).
            boolean midwayChecked = false;
            while (!answered.await(20, TimeUnit.MILLISECONDS)) {
                try {
                    c.write(new byte[] {'x'});
                } catch (IOException closedByServer) {
                    break;
                }
                if (bytesSent.incrementAndGet() == 5 && !midwayChecked) {
                    midwayChecked = true;
                    // While the slow body trickles in, the only slot is free for other work.
                    assertThat(admission.stats().inflight()).isZero();
                    assertThat(RawHttp.get(port, "/cpu", Map.of()).status()).isEqualTo(200);
                }
                assertThat(bytesSent.get()).as("the server never answered the slow sender").isLessThan(5_000);
            }
            reader.join(10_000);
        }
        assertThat(reply.get().status()).isEqualTo(408);
        assertThat(reply.get().body()).contains("did not arrive within 300 ms");
        assertThat(bytesSent.get()).isLessThan(10_000);
        AdmissionStats s = admission.stats();
        assertThat(s.rejectedReadTimeout()).isEqualTo(1);
        assertThat(s.inflight()).isZero();
        assertThat(appCalls.get()).isEqualTo(1); // only the /cpu request ran
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void stalledBodyNeverHoldsASlot(Mode mode) throws Exception {
        int port = start(mode, AdmissionControl.builder().limit(1).waitBudget(Duration.ZERO)
                .bodyReadBudget(Duration.ofMillis(200)));
        try (RawHttp c = new RawHttp(port)) {
            c.writeHead("POST", "/echo", Map.of(), 100, false);
            c.write(new byte[10]); // then nothing more
            Poll.until("the body read has started", () -> admission.stats().requests() == 1);
            assertThat(admission.stats().inflight()).isZero();
            assertThat(RawHttp.get(port, "/cpu", Map.of()).status()).isEqualTo(200);
            if (mode == Mode.JETTY_HANDLER) {
                // The handler's own timer cuts the stalled read off at the read budget.
                long t0 = System.nanoTime();
                RawHttp.Reply r = c.readReply();
                assertThat(r.status()).isEqualTo(408);
                assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
                assertThat(admission.stats().rejectedReadTimeout()).isEqualTo(1);
            }
            // The servlet filter has no portable way to interrupt a blocked read: the connector's idle
            // timeout ends it (10 s here); until then it holds a server thread, never a slot.
        }
        assertThat(appCalls.get()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ helpers

    private static double stressScale() {
        String s = System.getenv("SLUICE_STRESS_SCALE");
        return s == null || s.isBlank() ? 1.0 : Math.max(0.04, Double.parseDouble(s.trim()));
    }

    private static RawHttp.Reply call(int port, String path) {
        try {
            return RawHttp.get(port, path, Map.of());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
