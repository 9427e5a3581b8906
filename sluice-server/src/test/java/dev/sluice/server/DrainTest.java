package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.testing.ChildServer;
import dev.sluice.server.testing.Http;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** SIGTERM drains: new work is refused with 503, every accepted job finishes, the process exits 0. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DrainTest {

    private static final Pattern REPORT = Pattern.compile(
            "sluice-server drained: accepted=(\\d+) completed=(\\d+) failed=(\\d+) still-running=(\\d+) terminated=true in \\d+ ms");

    @Test
    void sigtermFinishesEveryAcceptedJobRefusesNewOnesAndExitsZero() throws Exception {
        try (ChildServer child = ChildServer.start("--port", "0", "--workers", "2", "--queue", "16", "--wait", "0",
                "--rate", "off", "--per-client", "off", "--grace", "30s");
                Http http = new Http(child.uri())) {
            int accepted = 0;
            for (int i = 0; i < 8; i++) {
                accepted += http.post("/jobs", "{\"ioMillis\": 1200}").statusCode() == 202 ? 1 : 0;
            }
            for (int i = 0; i < 6; i++) {
                accepted += http.post("/jobs", "{\"cpuMillis\": 20}").statusCode() == 202 ? 1 : 0;
            }
            assertThat(accepted).isEqualTo(14);

            child.process().destroy(); // SIGTERM
            // The signal arrives asynchronously: submit nothing until the server says it is draining.
            Http.until("/readyz answers 503", Duration.ofSeconds(20), () -> {
                try {
                    return http.get("/readyz").statusCode() == 503;
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError("the server stopped answering before the drain was seen", e);
                }
            });
            // 8 jobs of 1.2 s on 2 workers: the drain lasts about 5 s; meanwhile new work must get 503.
            int refusedDuringDrain = 0;
            boolean sawNotReady = true; // seen above; checked again below while refusing
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (child.process().isAlive() && System.nanoTime() - end < 0 && (refusedDuringDrain < 3 || !sawNotReady)) {
                try {
                    HttpResponse<String> r = http.post("/jobs", "{\"cpuMillis\": 1}");
                    assertThat(r.statusCode()).as("a submission during the drain").isEqualTo(503);
                    assertThat(r.headers().firstValue("Retry-After")).isPresent();
                    assertThat(r.body()).contains("draining");
                    refusedDuringDrain++;
                    HttpResponse<String> ready = http.get("/readyz");
                    sawNotReady &= ready.statusCode() == 503;
                    assertThat(http.get("/healthz").statusCode()).isEqualTo(200);
                } catch (IOException e) {
                    break; // Jetty stopped: the drain is over
                }
            }
            assertThat(refusedDuringDrain).as("submissions refused with 503 during the drain").isGreaterThanOrEqualTo(3);
            assertThat(sawNotReady).as("/readyz answered 503 during the drain").isTrue();

            assertThat(child.process().waitFor(60, TimeUnit.SECONDS)).as("the server exited").isTrue();
            assertThat(child.process().exitValue()).isZero();
            String line = child.awaitLine("sluice-server drained:", Duration.ofSeconds(5));
            Matcher m = REPORT.matcher(line);
            assertThat(m.matches()).as(line).isTrue();
            assertThat(Long.parseLong(m.group(1))).as("accepted").isEqualTo(accepted);
            assertThat(Long.parseLong(m.group(2))).as("completed = the 202s received").isEqualTo(accepted);
            assertThat(Long.parseLong(m.group(3))).as("failed").isZero();
            assertThat(Long.parseLong(m.group(4))).as("still running").isZero();
        }
    }

    @Test
    void badFlagExitsTwoWithAClearMessage() throws Exception {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        String cp = java.nio.file.Files.readString(java.nio.file.Path.of("target/classpath.txt")).trim()
                + java.io.File.pathSeparator + java.nio.file.Path.of("target/classes").toAbsolutePath();
        Process p = new ProcessBuilder(javaBin, "-cp", cp, "dev.sluice.server.ServeCommand", "--wait", "soon")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).contains("--wait").contains("'soon' is not a duration");
    }
}
