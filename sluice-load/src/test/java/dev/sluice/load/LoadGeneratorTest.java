package dev.sluice.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The generator against a server whose answers and speed the test decides: it keeps its arrival rate when
 * the server is slow, counts every outcome exactly, bounds what it has in flight, and leaves no thread.
 */
class LoadGeneratorTest {

    @AfterEach
    void noGeneratorThreadIsLeft() {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (GeneratorThreads.live() > 0) {
            assertThat(System.nanoTime() - end).as("generator threads still alive 5 s after the run").isNegative();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void keepsTheArrivalRateWhenEveryAnswerTakesLongerThanTheInterval() throws Exception {
        // 200/s is one start every 5 ms; every answer takes 100 ms, 20 intervals. A closed loop on one
        // connection would send 10/s here.
        try (PatternServer server = new PatternServer(100, 202)) {
            LoadPlan plan = LoadPlan.builder(server.uri().toString()).rate(new Rate(200))
                    .duration(Duration.ofSeconds(3)).body("{\"cpuMillis\":1}").timeout(Duration.ofSeconds(10)).build();
            LoadReport r = new LoadGenerator(plan).run();

            assertThat(r.scheduled()).isEqualTo(600);
            assertThat(r.notSent()).isZero();
            assertThat(r.sent()).isEqualTo(600);
            assertThat(r.sentPerSecond()).isBetween(200 * 0.97, 200 * 1.03);
            assertThat(r.accepted()).isEqualTo(600);
            assertThat(server.arrivals()).isEqualTo(600);
            // Latency is measured from the intended start, so it includes the server's 100 ms.
            assertThat(r.acceptedLatency().count()).isEqualTo(600);
            assertThat(r.acceptedLatency().p50Millis()).isGreaterThanOrEqualTo(100);
            assertThat(r.peakInFlight()).isGreaterThan(10);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void countsEachStatusExactlyAgainstAKnownPattern() throws Exception {
        try (PatternServer server = new PatternServer(0, 202, 429, 503, 202, 500, 404, 503, 202, 429, 202)) {
            LoadPlan plan = LoadPlan.builder(server.uri().toString()).rate(new Rate(250))
                    .duration(Duration.ofSeconds(2)).body("{}").timeout(Duration.ofSeconds(10)).build();
            LoadReport r = new LoadGenerator(plan).run();

            assertThat(r.sent()).isEqualTo(500);
            assertThat(server.arrivals()).as(r.toText()).isEqualTo(500);
            assertThat(r.accepted()).as(r.toText()).isEqualTo(200);
            assertThat(r.tooManyRequests()).isEqualTo(100);
            assertThat(r.unavailable()).isEqualTo(100);
            assertThat(r.otherStatus()).isEqualTo(Map.of(500, 50L, 404, 50L));
            assertThat(r.otherErrors()).isEqualTo(100);
            assertThat(r.timeouts()).isZero();
            assertThat(r.connectionErrors()).isZero();
            assertThat(r.abandoned()).isZero();
            assertThat(r.acceptedLatency().count()).isEqualTo(200);
            assertThat(r.answeredLatency().count()).isEqualTo(500);
            assertThat(r.unavailableShare()).isEqualTo(0.2);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void countsAnswerlessRequestsAsClientTimeouts() throws Exception {
        int hang = PatternServer.HANG;
        try (PatternServer server = new PatternServer(0, 202, hang, 503, hang)) {
            LoadPlan plan = LoadPlan.builder(server.uri().toString()).rate(new Rate(100))
                    .duration(Duration.ofMillis(400)).timeout(Duration.ofMillis(1500)).build();
            long start = System.nanoTime();
            LoadReport r = new LoadGenerator(plan).run();
            long tookMillis = (System.nanoTime() - start) / 1_000_000;

            assertThat(r.sent()).isEqualTo(40);
            assertThat(r.accepted()).isEqualTo(10);
            assertThat(r.unavailable()).isEqualTo(10);
            assertThat(r.timeouts()).isEqualTo(20);
            assertThat(r.abandoned()).isZero();
            // Timed-out requests end the run within the timeout, not when the server lets go (never).
            assertThat(tookMillis).isLessThan(10_000);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void countsStartsBeyondTheInFlightBoundAsNotSentInsteadOfQueueingThem() throws Exception {
        try (PatternServer server = new PatternServer(400, 202)) {
            LoadPlan plan = LoadPlan.builder(server.uri().toString()).rate(new Rate(100))
                    .duration(Duration.ofSeconds(1)).maxInFlight(5).timeout(Duration.ofSeconds(10)).build();
            LoadReport r = new LoadGenerator(plan).run();

            assertThat(r.scheduled()).isEqualTo(100);
            assertThat(r.sent() + r.notSent()).isEqualTo(100);
            assertThat(r.peakInFlight()).isEqualTo(5);
            // Five slots, each held ~400 ms, over one second: at most about 15 sent, the rest not sent.
            assertThat(r.sent()).isBetween(5L, 20L);
            assertThat(r.notSent()).isGreaterThanOrEqualTo(80);
            assertThat(r.accepted()).isEqualTo(r.sent());
            assertThat(server.arrivals()).isEqualTo(r.sent());
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void abandonsWhatIsStillOutstandingWhenTheDrainTimeoutEnds() throws Exception {
        try (PatternServer server = new PatternServer(0, PatternServer.HANG)) {
            LoadPlan plan = LoadPlan.builder(server.uri().toString()).rate(new Rate(50))
                    .duration(Duration.ofMillis(200)).timeout(Duration.ofSeconds(20))
                    .drainTimeout(Duration.ofMillis(200)).build();
            long start = System.nanoTime();
            LoadReport r = new LoadGenerator(plan).run();

            assertThat(r.sent()).isEqualTo(10);
            assertThat(r.abandoned()).isEqualTo(10);
            assertThat(r.accepted() + r.timeouts()).isZero();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(10_000);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void countsARefusedConnectionAsAConnectionError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = s.getLocalPort();
        }
        LoadPlan plan = LoadPlan.builder("http://127.0.0.1:" + port + "/jobs").rate(new Rate(50))
                .duration(Duration.ofMillis(200)).build();
        LoadReport r = new LoadGenerator(plan).run();

        assertThat(r.sent()).isEqualTo(10);
        assertThat(r.connectionErrors()).isEqualTo(10);
        assertThat(r.accepted() + r.timeouts() + r.abandoned()).isZero();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void spreadsRequestsEvenlyOverTheClientIdentities() throws Exception {
        try (PatternServer server = new PatternServer(0, 202)) {
            LoadPlan plan = LoadPlan.builder(server.uri().toString()).rate(new Rate(250))
                    .duration(Duration.ofMillis(400)).clients(5).timeout(Duration.ofSeconds(10)).build();
            LoadReport r = new LoadGenerator(plan).run();

            assertThat(r.accepted()).isEqualTo(100);
            assertThat(server.perClient()).isEqualTo(Map.of(
                    "client-0", 20L, "client-1", 20L, "client-2", 20L, "client-3", 20L, "client-4", 20L));
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void sendsTheWarmupButDoesNotCountIt() throws Exception {
        try (PatternServer server = new PatternServer(0, 202)) {
            LoadPlan plan = LoadPlan.builder(server.uri().toString()).rate(new Rate(100))
                    .warmup(Duration.ofMillis(300)).duration(Duration.ofMillis(500)).timeout(Duration.ofSeconds(10)).build();
            LoadReport r = new LoadGenerator(plan).run();

            assertThat(server.arrivals()).isEqualTo(80);
            assertThat(r.scheduled()).isEqualTo(50);
            assertThat(r.accepted()).isEqualTo(50);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void stopsAndCleansUpWhenItsThreadIsInterrupted() throws Exception {
        try (PatternServer server = new PatternServer(0, PatternServer.HANG)) {
            LoadPlan plan = LoadPlan.builder(server.uri().toString()).rate(new Rate(50))
                    .duration(Duration.ofSeconds(60)).timeout(Duration.ofSeconds(30)).build();
            Thread caller = Thread.currentThread();
            Thread interrupter = Thread.ofPlatform().start(() -> {
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (server.arrivals() < 5 && System.nanoTime() < end) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                }
                caller.interrupt();
            });
            long start = System.nanoTime();
            try {
                new LoadGenerator(plan).run();
                throw new AssertionError("run() returned although its thread was interrupted");
            } catch (InterruptedException expected) {
                // the point of the test
            } finally {
                interrupter.join();
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(15_000);
        }
    }

    @Test
    void refusesANonLoopbackTargetUnlessAllowed() throws IOException {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LoadPlan.builder("http://192.0.2.1/jobs").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a loopback address").hasMessageContaining("--allow-remote");
        assertThat(LoadPlan.builder("http://192.0.2.1/jobs").allowRemote(true).build().target().getHost())
                .isEqualTo("192.0.2.1");
        assertThat(LoadPlan.builder("http://localhost:1/x").build().target().getPort()).isEqualTo(1);
        assertThat(LoadPlan.builder("http://[::1]:1/x").build().target().getPort()).isEqualTo(1);
    }
}
