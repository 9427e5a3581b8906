package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.server.testing.Http;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Refusals under overload (503 and 429, each with Retry-After), the job table's bound, and naive mode. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OverloadTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    @Test
    void fullPoolAnswers503WithRetryAfterFromTheDrainEstimateAfterTheWaitBudget() throws Exception {
        ServerConfig c = ServerConfig.builder().port(0).workers(1).queue(1).waitBudget(Duration.ofMillis(80))
                .rate(null).perClient(null).grace(Duration.ofSeconds(10)).build();
        try (RunningServer s = JobServer.start(c); Http http = new Http(s.uri())) {
            // Warm the service-time estimate with one job of known length.
            assertThat(http.post("/jobs?wait=true", "{\"ioMillis\": 1500}").statusCode()).isEqualTo(200);
            assertThat(http.post("/jobs", "{\"ioMillis\": 1500}").statusCode()).isEqualTo(202);
            assertThat(http.post("/jobs", "{\"ioMillis\": 1500}").statusCode()).isEqualTo(202);
            long start = System.nanoTime();
            HttpResponse<String> r = http.post("/jobs", "{\"ioMillis\": 1}");
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(waitedMs).as("waited the budget before refusing").isGreaterThanOrEqualTo(80);
            JsonNode err = json(r);
            assertThat(err.get("error").asText()).contains("queue is full");
            // two jobs of ~1.5 s ahead on one worker: about 3 s
            long retryAfter = Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow());
            assertThat(retryAfter).isBetween(2L, 4L);
            assertThat(err.get("retryAfterSeconds").asLong()).isEqualTo(retryAfter);
            JsonNode totals = json(http.get("/stats")).get("totals");
            assertThat(totals.get("rejected503").asLong()).isEqualTo(1);
            assertThat(totals.get("accepted").asLong()).isEqualTo(3);
        }
    }

    @Test
    void clientOverItsRateAnswers429WithRetryAfterAndOtherClientsAreUnaffected() throws Exception {
        ServerConfig c = ServerConfig.builder().port(0).rate(null).perClient(Rate.parse("2/m")).build();
        try (RunningServer s = JobServer.start(c); Http http = new Http(s.uri())) {
            assertThat(http.post("/jobs", "{\"cpuMillis\": 1}", "X-Client-Id", "a").statusCode()).isEqualTo(202);
            assertThat(http.post("/jobs", "{\"cpuMillis\": 1}", "X-Client-Id", "a").statusCode()).isEqualTo(202);
            HttpResponse<String> r = http.post("/jobs", "{\"cpuMillis\": 1}", "X-Client-Id", "a");
            assertThat(r.statusCode()).isEqualTo(429);
            long retryAfter = Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow());
            assertThat(retryAfter).isBetween(1L, 30L); // one token every 30 s
            assertThat(json(r).get("error").asText()).contains("rate limit for this client");
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
            assertThat(http.post("/jobs", "{\"cpuMillis\": 1}", "X-Client-Id", "b").statusCode()).isEqualTo(202);
            JsonNode totals = json(http.get("/stats")).get("totals");
            assertThat(totals.get("rejected429").asLong()).isEqualTo(1);
            assertThat(totals.get("accepted").asLong()).isEqualTo(3);
        }
    }

    @Test
    void globalRateAnswers429() throws Exception {
        ServerConfig c = ServerConfig.builder().port(0).rate(Rate.parse("1/m")).perClient(null).build();
        try (RunningServer s = JobServer.start(c); Http http = new Http(s.uri())) {
            assertThat(http.post("/jobs", "{\"cpuMillis\": 1}").statusCode()).isEqualTo(202);
            HttpResponse<String> r = http.post("/jobs", "{\"cpuMillis\": 1}");
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
            assertThat(json(r).get("error").asText()).contains("server is over its rate limit");
        }
    }

    @Test
    void jobTableKeepsOnlyTheNewestFinishedJobsAndSaysSoForEvictedIds() throws Exception {
        ServerConfig c = ServerConfig.builder().port(0).rate(null).perClient(null).finishedJobsKept(3).build();
        try (RunningServer s = JobServer.start(c); Http http = new Http(s.uri())) {
            for (int i = 1; i <= 6; i++) {
                assertThat(json(http.post("/jobs?wait=true", "{\"cpuMillis\": 0}")).get("id").asLong()).isEqualTo(i);
            }
            for (int i = 1; i <= 3; i++) {
                HttpResponse<String> r = http.get("/jobs/" + i);
                assertThat(r.statusCode()).isEqualTo(404);
                assertThat(json(r).get("error").asText()).contains("no longer kept").contains("newest 3");
            }
            for (int i = 4; i <= 6; i++) {
                assertThat(http.get("/jobs/" + i).statusCode()).isEqualTo(200);
            }
            assertThat(json(http.get("/jobs/7")).get("error").asText()).isEqualTo("no job 7");
        }
    }

    @Test
    void naiveModeNeverRefusesAndItsQueueGrowsPastAnyBound() throws Exception {
        ServerConfig c = ServerConfig.builder().port(0).workers(1).queue(1).naive(true)
                .waitBudget(Duration.ZERO).grace(Duration.ofSeconds(20)).build();
        try (RunningServer s = JobServer.start(c); Http http = new Http(s.uri())) {
            for (int i = 0; i < 30; i++) {
                assertThat(http.post("/jobs", "{\"ioMillis\": 20}").statusCode()).isEqualTo(202);
            }
            JsonNode st = json(http.get("/stats"));
            assertThat(st.get("settings").get("mode").asText()).isEqualTo("naive");
            assertThat(st.get("totals").get("rejected503").asLong()).isZero();
            assertThat(st.get("totals").get("rejected429").asLong()).isZero();
            assertThat(st.get("totals").get("accepted").asLong()).isEqualTo(30);
            assertThat(http.get("/metrics").body()).contains("sluice_server_jobs_queue_capacity -1.0");
        }
    }

    @Test
    void adaptiveLimitFallsBelowCapacityWhenTheQueueRefusesAndIsShownOnTheDashboard() throws Exception {
        ServerConfig c = ServerConfig.builder().port(0).workers(1).queue(1).waitBudget(Duration.ofMillis(10))
                .adaptive(true).rate(null).perClient(null).grace(Duration.ofSeconds(20)).build();
        try (RunningServer s = JobServer.start(c); Http http = new Http(s.uri())) {
            Http.until("a sample shows the full limit", Duration.ofSeconds(10), () -> lastLimit(http) == 2);
            assertThat(http.post("/jobs", "{\"ioMillis\": 1500}").statusCode()).isEqualTo(202);
            assertThat(http.post("/jobs", "{\"ioMillis\": 1500}").statusCode()).isEqualTo(202);
            for (int i = 0; i < 5; i++) {
                assertThat(http.post("/jobs", "{\"ioMillis\": 1}").statusCode()).isEqualTo(503);
            }
            Http.until("the adaptive limit drops below workers + queue", Duration.ofSeconds(10), () -> lastLimit(http) == 1);
            assertThat(http.get("/metrics").body()).contains("sluice_http_route_limit");
        }
    }

    @Test
    void anotherAdmissionFilterPlugsInAndItsAnswersAreCountedAndMadeJson() throws Exception {
        java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
        jakarta.servlet.Filter refuseEveryOther = (req, resp, chain) -> {
            if (seen.incrementAndGet() % 2 == 0) {
                jakarta.servlet.http.HttpServletResponse r = (jakarta.servlet.http.HttpServletResponse) resp;
                r.setStatus(429);
                r.setHeader("Retry-After", "7");
                r.setContentType("text/plain");
                r.getOutputStream().write("too many, says the other filter".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                return;
            }
            chain.doFilter(req, resp);
        };
        ServerConfig c = ServerConfig.builder().port(0).perClient(Rate.parse("1/m"))
                .admission((config, registry) -> new Admission(refuseEveryOther, () -> 42, () -> -1)).build();
        try (RunningServer s = JobServer.start(c); Http http = new Http(s.uri())) {
            for (int i = 0; i < 3; i++) {
                // The per-client bucket of 1/m would refuse the second: it is not installed, the plugged filter is.
                assertThat(http.post("/jobs", "{\"cpuMillis\": 1}").statusCode()).isEqualTo(202);
                HttpResponse<String> r = http.post("/jobs", "{\"cpuMillis\": 1}");
                assertThat(r.statusCode()).isEqualTo(429);
                assertThat(r.headers().firstValue("Retry-After")).hasValue("7");
                assertThat(json(r).get("error").asText()).isEqualTo("too many, says the other filter");
            }
            JsonNode totals = json(http.get("/stats")).get("totals");
            assertThat(totals.get("rejected429").asLong()).isEqualTo(3);
            assertThat(totals.get("admitted").asLong()).isEqualTo(3);
            Http.until("the dashboard shows the plugged filter's limit", Duration.ofSeconds(10), () -> lastLimit(http) == 42);
        }
    }

    private static int lastLimit(Http http) {
        try {
            JsonNode samples = json(http.get("/stats")).get("samples");
            return samples.isEmpty() ? -1 : samples.get(samples.size() - 1).get("limit").asInt();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
