package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.testing.Http;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Clients that send too much or too slowly, over raw sockets: refused early, and never holding a job slot. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowClientTest {

    private static Socket connect(RunningServer s) throws IOException {
        Socket sock = new Socket();
        sock.connect(new InetSocketAddress("127.0.0.1", s.port()), 5_000);
        sock.setSoTimeout(15_000);
        return sock;
    }

    private static String head(String contentLength) {
        return "POST /jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + contentLength + "\r\n\r\n";
    }

    /** Reads the status line of the response. */
    private static String statusLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            b.append((char) c);
        }
        return b.toString().trim();
    }

    @Test
    void aOneGigabyteBodyIsRefusedWith413BeforeItIsRead() throws Exception {
        try (RunningServer s = JobServer.start(ServerConfig.builder().port(0).build()); Socket sock = connect(s)) {
            OutputStream out = sock.getOutputStream();
            long start = System.nanoTime();
            out.write(head(Long.toString(1L << 30)).getBytes(StandardCharsets.US_ASCII));
            out.write("{\"sha256\": \"".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = statusLine(sock.getInputStream());
            assertThat(status).startsWith("HTTP/1.1 413");
            assertThat(System.nanoTime() - start).as("answered without waiting for the body")
                    .isLessThan(TimeUnit.SECONDS.toNanos(10));
        }
    }

    @Test
    void aSlowlorisBodyGets408AndDoesNotHoldTheOnlyJobSlot() throws Exception {
        ServerConfig c = ServerConfig.builder().port(0).workers(1).queue(0).waitBudget(Duration.ofMillis(50))
                .readTimeout(Duration.ofSeconds(1)).rate(null).perClient(null).build();
        try (RunningServer s = JobServer.start(c); Socket sock = connect(s); Http http = new Http(s.uri())) {
            OutputStream out = sock.getOutputStream();
            out.write(head("200").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long start = System.nanoTime();
            // One byte every 100 ms while a normal client uses the single slot.
            Thread drip = Thread.ofVirtual().name("slowloris").start(() -> {
                try {
                    for (int i = 0; i < 150; i++) {
                        out.write('{');
                        out.flush();
                        LockSupport.parkNanos(100_000_000L); // the attack's pace, not synchronisation
                    }
                } catch (IOException e) {
                    // the server closed the connection: expected
                }
            });
            assertThat(http.post("/jobs?wait=true", "{\"cpuMillis\": 1}").statusCode())
                    .as("a normal request is served while the slow one trickles").isEqualTo(200);
            String status = statusLine(sock.getInputStream());
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(status).startsWith("HTTP/1.1 408");
            assertThat(tookMs).as("cut off near the 1 s read budget").isBetween(900L, 8_000L);
            sock.close();
            assertThat(drip.join(Duration.ofSeconds(30))).isTrue();
            assertThat(http.post("/jobs?wait=true", "{\"cpuMillis\": 1}").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aWaitTrueJobLongerThanTheReadBudgetStillGetsItsAnswer() throws Exception {
        ServerConfig c = ServerConfig.builder().port(0).readTimeout(Duration.ofSeconds(1)).rate(null).perClient(null).build();
        try (RunningServer s = JobServer.start(c); Http http = new Http(s.uri())) {
            assertThat(http.post("/jobs?wait=true", "{\"ioMillis\": 2500}").statusCode()).isEqualTo(200);
        }
    }
}
