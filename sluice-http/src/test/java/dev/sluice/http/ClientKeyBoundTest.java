package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.http.TestServer.Mode;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A flood of distinct client keys must not grow the per-client table beyond its bound. */
class ClientKeyBoundTest {

    private static final int KEYS = 100_000;
    private static final int MAX_KEYS = 1_000;
    private static final int BATCH = 50;

    @ParameterizedTest
    @EnumSource(Mode.class)
    @Timeout(120)
    void hundredThousandDistinctClientKeysStayWithinMaxKeys(Mode mode) throws Exception {
        AdmissionControl admission = AdmissionControl.builder().limit(4)
                .perClientRate(1, Duration.ofMinutes(1), 1).clientKeyHeader("X-Client-Id")
                .maxClientKeys(MAX_KEYS).build();
        int maxSeen = 0;
        int ok = 0;
        try (TestServer server = new TestServer(mode, admission, (path, body, ctx) -> "ok");
             RawHttp c = new RawHttp(server.port())) {
            // Pipelined in batches on one keep-alive connection, so 100,000 requests take seconds, not minutes.
            for (int i = 0; i < KEYS; i += BATCH) {
                for (int j = i; j < i + BATCH; j++) {
                    c.writeHead("GET", "/cpu", Map.of("X-Client-Id", "client-" + j), -1, false);
                }
                for (int j = i; j < i + BATCH; j++) {
                    if (c.readReply().status() == 200) {
                        ok++;
                    }
                }
                maxSeen = Math.max(maxSeen, admission.clientLimiter().size());
            }
        }
        assertThat(ok).as("every new key starts with a full bucket").isEqualTo(KEYS);
        assertThat(maxSeen).isLessThanOrEqualTo(MAX_KEYS);
        assertThat(admission.clientLimiter().size()).isLessThanOrEqualTo(MAX_KEYS);
        assertThat(admission.clientLimiter().evictions()).isGreaterThanOrEqualTo(KEYS - MAX_KEYS);
        assertThat(admission.stats().admitted()).isEqualTo(KEYS);
    }
}
