package dev.sluice.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.redis.testing.RedisServer;
import dev.sluice.server.JobServer;
import dev.sluice.server.Rate;
import dev.sluice.server.RunningServer;
import dev.sluice.server.ServerConfig;
import dev.sluice.server.job.DrainSummary;
import dev.sluice.server.testing.Http;
import dev.sluice.server.testing.Threads;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code serve --redis}: job servers sharing one real redis-server. Jobs accepted by one instance run on
 * any and are reported to the one that accepted them; the fleet-wide bound refuses with 503; with Redis
 * stopped or frozen every submission gets 503 within the wait budget (fail closed); a bad URL is a usage
 * error (see {@code ServeRedisFlagsTest}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FleetServeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static int queues;

    private RedisServer redis;
    private final List<RunningServer> servers = new ArrayList<>();
    private String queue;

    @BeforeEach
    void startRedis() throws Exception {
        redis = RedisServer.start();
        queue = "test-" + (++queues);
    }

    @AfterEach
    void stopAll() throws Exception {
        for (RunningServer s : servers) {
            s.drain(Duration.ofSeconds(5));
        }
        redis.close();
        Http.until("no fleet or Lettuce thread is left", Duration.ofSeconds(15), () -> Threads.names().stream()
                .noneMatch(n -> n.startsWith("sluice-fleet") || n.startsWith("sluice-redis") || n.startsWith("lettuce")));
    }

    private RunningServer start(int workers, int capacity, Duration wait, Rate rate, Rate perClient) {
        RunningServer s = JobServer.start(ServerConfig.builder().port(0).workers(workers).waitBudget(wait).rate(rate)
                .perClient(perClient).grace(Duration.ofSeconds(10))
                .redis(new FleetConfig(redis.uri(), queue, capacity, Duration.ofSeconds(5))).build());
        servers.add(s);
        return s;
    }

    /**
     * The first job on a fresh server and Redis (script loading, cold code) can take longer than a short
     * wait budget on a loaded machine: warm up with tiny jobs until one is answered, before anything timed.
     */
    private static void warmUp(Http h) throws Exception {
        for (int i = 0; i < 20; i++) {
            if (h.post("/jobs?wait=true", "{\"ioMillis\": 1}").statusCode() == 200) {
                return;
            }
        }
        throw new AssertionError("no warm-up job was accepted in 20 tries");
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    @Test
    void jobsAcceptedByOneInstanceRunAnywhereAndAreReportedByIt() throws Exception {
        RunningServer a = start(1, 64, Duration.ofSeconds(5), null, null);
        RunningServer b = start(2, 64, Duration.ofSeconds(5), null, null);
        try (Http ha = new Http(a.uri()); Http hb = new Http(b.uri())) {
            HttpResponse<String> sync = ha.post("/jobs?wait=true", "{\"sha256\": \"aGVsbG8=\"}");
            assertThat(sync.statusCode()).isEqualTo(200);
            assertThat(json(sync).get("result").get("sha256").asText())
                    .isEqualTo("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                HttpResponse<String> r = ha.post("/jobs", "{\"ioMillis\": 150}");
                assertThat(r.statusCode()).isEqualTo(202);
                assertThat(json(r).get("fleetKey").asText()).startsWith(a.fleetInstance().orElseThrow() + ":");
                ids.add(json(r).get("id").asLong());
            }
            Http.until("every job accepted by A is reported done by A", Duration.ofSeconds(30), () -> ids.stream().allMatch(id -> {
                try {
                    return json(ha.get("/jobs/" + id)).get("state").asText().equals("done");
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }));
            JsonNode fa = json(ha.get("/stats")).get("fleet");
            JsonNode fb = json(hb.get("/stats")).get("fleet");
            // A has one worker for 9 jobs of which 8 take 150 ms: B, idle, takes its share.
            assertThat(fb.get("ranHere").asLong()).isPositive();
            assertThat(fa.get("ranHere").asLong() + fb.get("ranHere").asLong()).isEqualTo(9);
            assertThat(fa.get("awaitingReports").asInt()).isZero();
            assertThat(json(hb.get("/stats")).get("totals").get("accepted").asLong()).isZero();
            assertThat(json(ha.get("/jobs/" + ids.get(0))).get("runMillis").asDouble()).isGreaterThanOrEqualTo(140);
        }
        DrainSummary s = a.drain(Duration.ofSeconds(5));
        assertThat(s.accepted()).isEqualTo(9);
        assertThat(s.completed()).isEqualTo(9);
        assertThat(s.stillRunning()).isZero();
    }

    @Test
    void aDrainGivesBackTheJobItCannotFinishAndAnotherInstanceRunsIt() throws Exception {
        RunningServer a = start(1, 16, Duration.ofSeconds(5), null, null);
        try (Http ha = new Http(a.uri())) {
            warmUp(ha);
            assertThat(ha.post("/jobs", "{\"ioMillis\": 3000}").statusCode()).isEqualTo(202);
            Http.until("A runs the job", Duration.ofSeconds(10), () -> {
                try {
                    // running, not merely held: the warm-up job may still be held (not yet acknowledged)
                    return json(ha.get("/stats")).get("fleet").get("runningHere").asInt() == 1;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
        }
        DrainSummary s = a.drain(Duration.ofMillis(300));
        assertThat(s.stillRunning()).as("not reported finished, but not lost").isEqualTo(1);
        assertThat(a.fleetSummary().orElseThrow()).contains("given-back=1");
        RunningServer b = start(1, 16, Duration.ofSeconds(5), null, null);
        try (Http hb = new Http(b.uri())) {
            Http.until("B runs the given-back job to the end", Duration.ofSeconds(20), () -> {
                try {
                    return json(hb.get("/stats")).get("fleet").get("ranHere").asLong() == 1;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            // given back, not reclaimed: it ran at once, without waiting for the visibility timeout
            assertThat(json(hb.get("/stats")).get("fleet").get("reclaimedHere").asLong()).isZero();
        }
    }

    @Test
    void perClientAndGlobalRatesHoldForTheFleetNotPerInstance() throws Exception {
        Rate global = new Rate(5, Duration.ofMinutes(1));
        Rate perClient = new Rate(2, Duration.ofMinutes(1));
        RunningServer a = start(2, 64, Duration.ofSeconds(5), global, perClient);
        RunningServer b = start(2, 64, Duration.ofSeconds(5), global, perClient);
        try (Http ha = new Http(a.uri()); Http hb = new Http(b.uri())) {
            assertThat(ha.post("/jobs", "{\"ioMillis\": 1}", "X-Client-Id", "x").statusCode()).isEqualTo(202);
            assertThat(hb.post("/jobs", "{\"ioMillis\": 1}", "X-Client-Id", "x").statusCode()).isEqualTo(202);
            HttpResponse<String> third = ha.post("/jobs", "{\"ioMillis\": 1}", "X-Client-Id", "x");
            assertThat(third.statusCode()).as("x's two tokens were spent on two instances").isEqualTo(429);
            assertThat(Long.parseLong(third.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 30L);
            assertThat(hb.post("/jobs", "{\"ioMillis\": 1}", "X-Client-Id", "x").statusCode()).isEqualTo(429);
            // The fleet's 5 tokens: 2 went to x; three more clients get one each, on either instance.
            assertThat(ha.post("/jobs", "{\"ioMillis\": 1}", "X-Client-Id", "y1").statusCode()).isEqualTo(202);
            assertThat(hb.post("/jobs", "{\"ioMillis\": 1}", "X-Client-Id", "y2").statusCode()).isEqualTo(202);
            assertThat(ha.post("/jobs", "{\"ioMillis\": 1}", "X-Client-Id", "y3").statusCode()).isEqualTo(202);
            HttpResponse<String> over = hb.post("/jobs", "{\"ioMillis\": 1}", "X-Client-Id", "y4");
            assertThat(over.statusCode()).isEqualTo(429);
            assertThat(json(over).get("error").asText()).contains("fleet is over its rate limit");
        }
    }

    @Test
    void theFleetWideBoundRefusesWith503AfterTheWaitBudget() throws Exception {
        RunningServer a = start(1, 3, Duration.ofSeconds(1), null, null);
        RunningServer b = start(1, 3, Duration.ofSeconds(1), null, null);
        try (Http ha = new Http(a.uri()); Http hb = new Http(b.uri())) {
            warmUp(ha);
            warmUp(hb);
            assertThat(ha.post("/jobs", "{\"ioMillis\": 5000}").statusCode()).isEqualTo(202);
            assertThat(hb.post("/jobs", "{\"ioMillis\": 5000}").statusCode()).isEqualTo(202);
            assertThat(ha.post("/jobs", "{\"ioMillis\": 5000}").statusCode()).isEqualTo(202);
            for (Http h : List.of(ha, hb)) {
                long t0 = System.nanoTime();
                HttpResponse<String> r = h.post("/jobs", "{\"ioMillis\": 10}");
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(r.headers().firstValue("Retry-After")).isPresent();
                assertThat(json(r).get("error").asText()).contains("fleet's job queue is full");
                assertThat(ms).as("waited the budget, not longer").isGreaterThanOrEqualTo(990).isLessThan(4000);
            }
        }
    }

    @Test
    void redisStoppedMeans503AtOnceFailClosedAndCounted() throws Exception {
        RunningServer a = start(1, 16, Duration.ofSeconds(5), Rate.perSecond(1000), Rate.perSecond(1000));
        try (Http ha = new Http(a.uri())) {
            warmUp(ha);
            long before = json(ha.get("/stats")).get("totals").get("rejected503").asLong();
            redis.kill();
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                HttpResponse<String> r = ha.post("/jobs", "{\"ioMillis\": 1}", "X-Client-Id", "c" + i);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(json(r).get("error").asText()).contains("unreachable");
                assertThat(ms).as("refused at once, not after the 5 s budget").isLessThan(2500);
            }
            // The gate counts an answer just after writing it: poll briefly rather than race it.
            Http.until("the three 503s are counted", Duration.ofSeconds(5), () -> {
                try {
                    return json(ha.get("/stats")).get("totals").get("rejected503").asLong() == before + 3;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(json(ha.get("/stats")).get("fleet").get("redisUnavailableTotal").asLong()).isPositive();
        }
    }

    @Test
    void aFrozenRedisNeverHoldsASubmissionPastTheWaitBudget() throws Exception {
        RunningServer a = start(1, 16, Duration.ofSeconds(1), null, null);
        try (Http ha = new Http(a.uri())) {
            warmUp(ha);
            ProcessHandle p = ProcessHandle.current().descendants()
                    .filter(h -> cmdline(h).contains("redis-server") && cmdline(h).contains(Integer.toString(redis.port())))
                    .findFirst().orElseThrow(() -> new AssertionError("the test's redis-server process is not found"));
            signal("STOP", p);
            try {
                long t0 = System.nanoTime();
                HttpResponse<String> r = ha.post("/jobs", "{\"ioMillis\": 1}");
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(ms).as("the 1 s budget, plus slack for a loaded machine").isLessThan(2500);
            } finally {
                signal("CONT", p);
            }
        }
    }

    private static String cmdline(ProcessHandle h) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Long.toString(h.pid()), "cmdline"))
                    .replace('\0', ' ');
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static void signal(String sig, ProcessHandle p) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).start().waitFor()).isZero();
    }
}
