package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code serve --redis} flags: a malformed URL or value is a usage error (exit 2) with a clear message, never a stack trace. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ServeRedisFlagsTest {

    private record Run(int code, String out, String err) { }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        var cl = ServeCommand.commandLine(new PrintStream(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:6379", "redis//127.0.0.1", "redis://", "redis://127.0.0.1:99999",
            "redis://127.0.0.1:", "redis://127.0.0.1:abc", "redis://127.0.0.1:6379/x", "redis://bad host:1"})
    void aBadRedisUrlIsAUsageErrorWithExitCode2(String url) {
        Run r = run("--port", "0", "--redis", url);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).containsAnyOf("not a Redis URL", "no host", "invalid port", "database number")
                .doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(r.out()).doesNotContain("listening");
    }

    @Test
    void badFleetValuesAreUsageErrors() {
        assertThat(run("--port", "0", "--redis", "redis://127.0.0.1:1", "--redis-capacity", "0").err())
                .contains("redis capacity must be between 1 and");
        assertThat(run("--port", "0", "--redis", "redis://127.0.0.1:1", "--redis-queue", "a b").code()).isEqualTo(2);
        assertThat(run("--port", "0", "--redis", "redis://127.0.0.1:1", "--redis-visibility", "10ms").err())
                .contains("visibility timeout must be between");
        assertThat(run("--port", "0", "--redis", "redis://127.0.0.1:1", "--naive").err()).contains("cannot be combined");
    }

    @Test
    void anUnreachableRedisAtStartIsExit3WithTheReason() {
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        Run r = run("--port", "0", "--redis", "redis://127.0.0.1:1");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.out()).doesNotContain("listening");
    }
}
