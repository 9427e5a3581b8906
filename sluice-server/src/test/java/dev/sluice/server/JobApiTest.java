package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.server.testing.Http;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every route and every error case of the job API, against a real server on a free port. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JobApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static RunningServer server;
    private static Http http;

    @BeforeAll
    static void start() {
        server = JobServer.start(ServerConfig.builder().port(0).workers(2).queue(4).maxBody(4096)
                .perClient(null).rate(null).build());
        http = new Http(server.uri());
    }

    @AfterAll
    static void stop() {
        http.close();
        server.close();
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        return JSON.readTree(r.body());
    }

    private static long accepted() {
        return ((Number) statsTotals("accepted")).longValue();
    }

    private static Object statsTotals(String key) {
        try {
            return json(http.get("/stats")).get("totals").get(key).asLong();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void postJobAnswers202WithIdAndLocationAndTheJobFinishes() throws Exception {
        HttpResponse<String> r = http.post("/jobs", "{\"cpuMillis\": 5}");
        assertThat(r.statusCode()).isEqualTo(202);
        long id = json(r).get("id").asLong();
        assertThat(r.headers().firstValue("Location")).hasValue("/jobs/" + id);
        Http.until("job " + id + " is done", Duration.ofSeconds(10), () -> {
            try {
                return json(http.get("/jobs/" + id)).get("state").asText().equals("done");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        JsonNode job = json(http.get("/jobs/" + id));
        assertThat(job.get("kind").asText()).isEqualTo("cpu");
        assertThat(job.get("result").get("cpuMillis").asDouble()).isGreaterThanOrEqualTo(5.0);
        assertThat(job.get("runMillis").asDouble()).isGreaterThanOrEqualTo(5.0);
        assertThat(job.has("queuedMillis")).isTrue();
    }

    @Test
    void waitTrueAnswers200WithTheSha256OfTheDecodedBytes() throws Exception {
        byte[] data = "the quick brown fox jumps over the lazy dog".getBytes(StandardCharsets.UTF_8);
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        HttpResponse<String> r = http.post("/jobs?wait=true",
                "{\"sha256\": \"" + Base64.getEncoder().encodeToString(data) + "\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.get("state").asText()).isEqualTo("done");
        assertThat(body.get("result").get("sha256").asText()).isEqualTo(expected);
        assertThat(body.get("result").get("bytes").asInt()).isEqualTo(data.length);
        // the known SHA-256 of the empty input
        JsonNode empty = json(http.post("/jobs?wait=true", "{\"sha256\": \"\"}"));
        assertThat(empty.get("result").get("sha256").asText())
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void waitTrueIoJobWaitsAtLeastItsDuration() throws Exception {
        long start = System.nanoTime();
        JsonNode body = json(http.post("/jobs?wait=true", "{\"ioMillis\": 60}"));
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(60));
        assertThat(body.get("result").get("elapsedMillis").asDouble()).isGreaterThanOrEqualTo(60.0);
        assertThat(body.get("result").get("kind").asText()).isEqualTo("io");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "malformed JSON                | {\"cpuMillis\": 20            | malformed JSON",
            "trailing garbage              | {\"cpuMillis\": 20} x         | malformed JSON",
            "unknown field                 | {\"cpuMillis\": 20, \"x\": 1} | unknown field 'x'",
            "negative duration             | {\"ioMillis\": -1}            | between 0 and 60000",
            "absurd duration               | {\"cpuMillis\": 60001}        | between 0 and 60000",
            "huge number                   | {\"cpuMillis\": 99999999999999999999} | out of range",
            "number as string              | {\"cpuMillis\": \"20\"}       | invalid job",
            "fractional number             | {\"cpuMillis\": 2.5}          | invalid job",
            "no work                       | {}                            | no work given",
            "two kinds of work             | {\"cpuMillis\": 1, \"ioMillis\": 1} | more than one kind",
            "duplicate field               | {\"ioMillis\": 1, \"ioMillis\": 2} | Duplicate field",
            "invalid base64                | {\"sha256\": \"@@@\"}         | not valid base64",
            "array instead of object       | [1, 2]                        | invalid job",
            "JSON null                     | null                          | JSON null",
            "empty body                    | ''                            | empty body",
    })
    void badInputIs400WithAMessageAndCreatesNoJob(String name, String body, String message) throws Exception {
        long before = accepted();
        long rejectedBefore = (Long) statsTotals("badRequest");
        HttpResponse<String> r = http.post("/jobs", body);
        assertThat(r.statusCode()).as(name).isEqualTo(400);
        JsonNode err = json(r);
        assertThat(err.get("status").asInt()).isEqualTo(400);
        assertThat(err.get("error").asText()).contains(message);
        assertThat(accepted()).as("no job accepted").isEqualTo(before);
        assertThat((Long) statsTotals("badRequest")).as("counted as a rejected input").isEqualTo(rejectedBefore + 1);
    }

    @Test
    void badWaitParameterIs400() throws Exception {
        HttpResponse<String> r = http.post("/jobs?wait=maybe", "{\"cpuMillis\": 1}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).get("error").asText()).contains("wait must be true or false");
    }

    @Test
    void bodyOverTheCapIs413AndCreatesNoJob() throws Exception {
        long before = accepted();
        long rejectedBefore = (Long) statsTotals("badRequest");
        String big = "{\"sha256\": \"" + Base64.getEncoder().encodeToString(new byte[8192]) + "\"}";
        HttpResponse<String> r = http.post("/jobs", big);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(json(r).get("error").asText()).contains("over the limit of 4096 bytes");
        assertThat(accepted()).isEqualTo(before);
        assertThat((Long) statsTotals("badRequest")).isEqualTo(rejectedBefore + 1);
        assertThat(http.get("/metrics").body()).contains("sluice_server_requests_total{outcome=\"bad_request\"}");
    }

    @Test
    void chunkedBodyOverTheCapIs413() throws Exception {
        byte[] big = ("{\"sha256\": \"" + Base64.getEncoder().encodeToString(new byte[8192]) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        // An InputStream publisher has no length: the body arrives chunked, so only counting can catch it.
        HttpRequest req = HttpRequest.newBuilder(server.uri().resolve("/jobs")).timeout(Http.TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build();
        HttpResponse<String> r = http.send(req);
        assertThat(r.statusCode()).isEqualTo(413);
    }

    @Test
    void unknownRouteIs404() throws Exception {
        HttpResponse<String> r = http.get("/nowhere");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(json(r).get("error").asText()).contains("no such route");
    }

    @Test
    void wrongMethodIs405WithAllow() throws Exception {
        HttpResponse<String> r = http.method("DELETE", "/jobs/1");
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).hasValue("GET, HEAD");
        HttpResponse<String> g = http.get("/jobs");
        assertThat(g.statusCode()).isEqualTo(405);
        assertThat(g.headers().firstValue("Allow")).hasValue("POST");
        HttpResponse<String> p = http.method("PUT", "/healthz");
        assertThat(p.statusCode()).isEqualTo(405);
        assertThat(p.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }

    @Test
    void unknownOrMalformedJobIdIs404() throws Exception {
        HttpResponse<String> r = http.get("/jobs/987654321");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(json(r).get("error").asText()).isEqualTo("no job 987654321");
        HttpResponse<String> m = http.get("/jobs/abc");
        assertThat(m.statusCode()).isEqualTo(404);
        assertThat(json(m).get("error").asText()).contains("whole numbers");
    }

    @Test
    void healthAndReadinessAre200WhileServing() throws Exception {
        assertThat(http.get("/healthz").statusCode()).isEqualTo(200);
        HttpResponse<String> ready = http.get("/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(json(ready).get("status").asText()).isEqualTo("ready");
    }

    @Test
    void metricsArePrometheusTextWithTheServerMeters() throws Exception {
        http.post("/jobs?wait=true", "{\"cpuMillis\": 1}");
        HttpResponse<String> r = http.get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        assertThat(r.body()).contains("# TYPE sluice_server_requests_total counter")
                .contains("sluice_server_requests_total{outcome=\"admitted\"}")
                .contains("sluice_server_jobs_queue_capacity 4.0")
                .contains("sluice_server_job_latency_seconds_count");
    }

    @Test
    void statsServesSamplesAndTotals() throws Exception {
        Http.until("a sample exists", Duration.ofSeconds(10), () -> {
            try {
                return json(http.get("/stats")).get("samples").size() > 0;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        JsonNode s = json(http.get("/stats"));
        assertThat(s.get("state").asText()).isEqualTo("serving");
        assertThat(s.get("settings").get("workers").asInt()).isEqualTo(2);
        JsonNode last = s.get("samples").get(s.get("samples").size() - 1);
        assertThat(last.get("queueCapacity").asInt()).isEqualTo(4);
        assertThat(last.get("limit").asInt()).isEqualTo(6);
        long seq = last.get("seq").asLong();
        JsonNode later = json(http.get("/stats?since=" + seq));
        for (JsonNode x : later.get("samples")) {
            assertThat(x.get("seq").asLong()).isGreaterThan(seq);
        }
        assertThat(http.get("/stats?since=x").statusCode()).isEqualTo(400);
    }

    @Test
    void dashboardPageAndAssetsAreServedWithoutExternalReferences() throws Exception {
        HttpResponse<String> page = http.get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(page.body()).contains("id=\"admitted-per-sec\"").contains("/dashboard.js").doesNotContain("http://")
                .doesNotContain("https://");
        HttpResponse<String> js = http.get("/dashboard.js");
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.body()).contains("/stats").doesNotContain("http://").doesNotContain("https://");
        assertThat(http.get("/dashboard.css").statusCode()).isEqualTo(200);
    }
}
