package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.limit.Discipline;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line: rates, durations, sizes, every flag, and clear errors for bad values. */
class ParsingTest {

    @Test
    void ratesParseInEveryUnit() {
        assertThat(Rate.parse("1000/s")).isEqualTo(new Rate(1000, Duration.ofSeconds(1)));
        assertThat(Rate.parse("50/s").perSecondValue()).isEqualTo(50.0);
        assertThat(Rate.parse("600/m").perSecondValue()).isEqualTo(10.0);
        assertThat(Rate.parse("3600/h").perSecondValue()).isEqualTo(1.0);
        assertThat(Rate.parse("5/100ms").perSecondValue()).isEqualTo(50.0);
        assertThat(Rate.parse(" 30 / 10s ").perSecondValue()).isEqualTo(3.0);
        assertThat(Rate.parse("600/m")).hasToString("600/m");
    }

    @Test
    void badRatesAreRefusedWithTheAcceptedForms() {
        for (String bad : new String[] {"", "1000", "/s", "0/s", "-5/s", "10/x", "ten/s", "1.5/s", "5/0s"}) {
            assertThatThrownBy(() -> Rate.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("rate");
        }
    }

    @Test
    void durationsParseWithUnitsAndBadOnesAreRefused() {
        assertThat(Durations.parse("100ms")).isEqualTo(Duration.ofMillis(100));
        assertThat(Durations.parse("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("0")).isEqualTo(Duration.ZERO);
        for (String bad : new String[] {"", "100", "-1s", "1.5s", "soon", "10 parsecs"}) {
            assertThatThrownBy(() -> Durations.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a duration");
        }
    }

    private static ServeCommand parse(String... args) {
        ServeCommand cmd = new ServeCommand(System.out);
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    @Test
    void theIssuesExampleFlagsMeanWhatTheySay() {
        ServerConfig c = parse("--port", "8080", "--workers", "4", "--queue", "8", "--wait", "100ms", "--rate", "1000/s",
                "--per-client", "50/s").config();
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.workers()).isEqualTo(4);
        assertThat(c.queue()).isEqualTo(8);
        assertThat(c.waitBudget()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.rate()).contains(Rate.perSecond(1000));
        assertThat(c.perClient()).contains(Rate.perSecond(50));
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.clientHeader()).isEqualTo("X-Client-Id");
        assertThat(c.grace()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.naive()).isFalse();
        assertThat(c.waitOrder()).isEqualTo(Discipline.LIFO_CODEL);
    }

    @Test
    void everyOtherFlagReachesTheConfig() {
        ServerConfig c = parse("--host", "0.0.0.0", "--grace", "3s", "--naive", "--client-header", "X-Tenant",
                "--max-body", "64k", "--read-timeout", "2s", "--adaptive", "--jobs-kept", "7", "--max-threads", "64",
                "--max-connections", "99", "--rate", "off", "--per-client", "600/m", "--order", "FIFO").config();
        assertThat(c.waitOrder()).isEqualTo(Discipline.FIFO);
        assertThat(c.host()).isEqualTo("0.0.0.0");
        assertThat(c.grace()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.naive()).isTrue();
        assertThat(c.clientHeader()).isEqualTo("X-Tenant");
        assertThat(c.maxBody()).isEqualTo(64 * 1024);
        assertThat(c.readTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.adaptive()).isTrue();
        assertThat(c.finishedJobsKept()).isEqualTo(7);
        assertThat(c.maxThreads()).isEqualTo(64);
        assertThat(c.maxConnections()).isEqualTo(99);
        assertThat(c.rate()).isEmpty();
        assertThat(c.perClient()).contains(new Rate(600, Duration.ofMinutes(1)));
    }

    private static String[] run(String... args) {
        StringWriter err = new StringWriter();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CommandLine cl = ServeCommand.commandLine(new PrintStream(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        int code = cl.execute(args);
        return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8), err.toString()};
    }

    @Test
    void helpListsEveryFlag() {
        String[] r = run("--help");
        assertThat(r[0]).isEqualTo("0");
        for (String flag : new String[] {"--port", "--workers", "--queue", "--wait", "--rate", "--per-client", "--host",
                "--grace", "--naive", "--client-header", "--max-body", "--read-timeout", "--adaptive", "--jobs-kept",
                "--max-threads", "--max-connections", "--order"}) {
            assertThat(r[1]).as(flag).contains(flag);
        }
    }

    @Test
    void badValuesExitTwoWithAMessageNamingTheFlag() {
        String[][] cases = {
                {"--wait", "fast"}, {"--rate", "lots"}, {"--per-client", "5"}, {"--max-body", "big"},
                {"--workers", "0"}, {"--port", "70000"}, {"--queue", "-1"}, {"--grace", "-1s"}, {"--order", "random"},
        };
        for (String[] c : cases) {
            String[] r = run(c);
            assertThat(r[0]).as(String.join(" ", c)).isEqualTo("2");
            assertThat(r[2]).as(String.join(" ", c)).containsAnyOf(c[0], c[1].replace("-", ""));
        }
        assertThat(run("--workers", "0")[2]).contains("workers must be between 1 and 10000");
        assertThat(run("--wait", "fast")[2]).contains("'fast' is not a duration");
        assertThat(run("--order", "random")[2]).contains("'random' is not an order: use lifo or fifo");
    }
}
