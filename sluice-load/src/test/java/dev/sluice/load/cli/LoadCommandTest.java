package dev.sluice.load.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The command's flags: bad ones get exit status 2 and a message naming the flag; nothing is sent. */
class LoadCommandTest {

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = LoadCommand.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void refusesAZeroRate() {
        Run r = run("http://127.0.0.1:1/jobs", "--rate", "0/s");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("rate must be positive");
    }

    @Test
    void refusesANegativeDuration() {
        Run r = run("http://127.0.0.1:1/jobs", "--duration", "-3s");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--duration must not be negative");
    }

    @Test
    void refusesAZeroDurationAndTimeout() {
        assertThat(run("http://127.0.0.1:1/jobs", "--duration", "0s").err()).contains("duration must be positive");
        assertThat(run("http://127.0.0.1:1/jobs", "--timeout", "0ms").err()).contains("timeout must be positive");
    }

    @Test
    void refusesABadUrl() {
        Run r = run("not a url");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("is not a URL");
        assertThat(run("ftp://127.0.0.1/x").err()).contains("must be an http:// or https:// URL");
        assertThat(run("http:///jobs").err()).contains("has no host");
    }

    @Test
    void refusesANonLoopbackHostWithoutAllowRemote() {
        Run r = run("http://192.0.2.7:8080/jobs");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("not a loopback address").contains("--allow-remote");
    }

    @Test
    void refusesBadCountsAndHeaders() {
        assertThat(run("http://127.0.0.1:1/jobs", "--clients", "0").err()).contains("clients must be between");
        assertThat(run("http://127.0.0.1:1/jobs", "--max-inflight", "0").err()).contains("max-inflight must be between");
        assertThat(run("http://127.0.0.1:1/jobs", "--clients", "many").err()).contains("--clients");
        assertThat(run("http://127.0.0.1:1/jobs", "-H", "novalue").err()).contains("must be NAME:VALUE");
    }

    @Test
    void listsItsFlagsWithHelp() {
        Run r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("--rate", "--duration", "--body", "--clients", "--timeout", "--method",
                "--json", "--warmup", "--max-inflight", "--allow-remote", "X-Client-Id");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void printsOneJsonObjectWithEveryCount() {
        // Nothing listens on the port, so every request is a connection error; the output is what is tested.
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Run r = run("http://127.0.0.1:" + port + "/jobs", "--rate", "20/s", "--duration", "250ms", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        String json = r.out().strip();
        assertThat(json).startsWith("{").endsWith("}").doesNotContain("\n");
        assertThat(json).contains("\"sent\":5", "\"accepted\":0", "\"status429\":0", "\"status503\":0",
                "\"connectionErrors\":5", "\"clientTimeouts\":0", "\"goodputPerSecond\":0.0",
                "\"notSentGeneratorSaturated\":0", "\"acceptedLatency\":{\"count\":0");
    }
}
