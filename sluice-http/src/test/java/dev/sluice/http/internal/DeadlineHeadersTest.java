package dev.sluice.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DeadlineHeadersTest {

    @ParameterizedTest
    @CsvSource({"250ms, 250000000", "2s, 2000000000", "1500, 1500000000", "' 10ms ', 10000000", "0, 0",
            "0ms, 0", "86400s, 86400000000000"})
    void requestTimeoutAcceptsMillisSecondsAndPlainMillis(String value, long nanos) {
        assertThat(DeadlineHeaders.parseTimeout(value)).isEqualTo(nanos);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ms", "s", "1.5s", "-1", "1e3", "10 ms", "10m", "10h", "PT1S", "9999999999999",
            "abc", "86401s"})
    void requestTimeoutRejectsAnythingElseWithAClearMessage(String value) {
        assertThatThrownBy(() -> DeadlineHeaders.parseTimeout(value))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Request-Timeout");
    }

    @ParameterizedTest
    @CsvSource({"1764572400000, 2025-12-01T07:00:00Z", "2026-12-01T07:00:00Z, 2026-12-01T07:00:00Z",
            "2026-12-01t07:00:00.250z, 2026-12-01T07:00:00.250Z", "2026-12-01T08:00:00+01:00, 2026-12-01T07:00:00Z"})
    void requestDeadlineAcceptsEpochMillisAndRfc3339(String value, String expected) {
        assertThat(DeadlineHeaders.parseDeadline(value)).isEqualTo(Instant.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "tomorrow", "2026-12-01", "2026-12-01T07:00:00", "12:00", "-5", "1234567890123456",
            "2026-13-01T07:00:00Z"})
    void requestDeadlineRejectsAnythingElseWithAClearMessage(String value) {
        assertThatThrownBy(() -> DeadlineHeaders.parseDeadline(value))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("X-Request-Deadline");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Request-Timeout", "X-Request-Deadline"})
    void overlongValuesAreRejectedWithoutEchoingThem(String header) {
        String value = "1".repeat(10_000);
        assertThatThrownBy(() -> {
            if (header.equals("Request-Timeout")) {
                DeadlineHeaders.parseTimeout(value);
            } else {
                DeadlineHeaders.parseDeadline(value);
            }
        }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("longer than 64 characters")
                .message().hasSizeLessThan(200);
    }
}
