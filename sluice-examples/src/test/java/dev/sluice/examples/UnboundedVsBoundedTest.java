package dev.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.sluice.channel.Channel;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks what the demo claims, on numbers it measures in a JVM of its own with a small heap (never in the
 * test JVM, whose heap is shared with everything else): the channel keeps the backlog and the heap flat
 * while the unbounded queue's grow, and the unbounded side stops itself before it can exhaust the heap.
 */
class UnboundedVsBoundedTest {

    private static final long MIB = 1L << 20;

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void channelKeepsBacklogAndHeapFlatWhileUnboundedQueueGrows() throws Exception {
        Map<String, String> r = runDemo("-Xmx128m", "--seconds", "1.5", "--machine");
        long capacity = number(r, "capacity");
        assertThat(capacity).isEqualTo(UnboundedVsBounded.DEFAULT_CAPACITY);

        // The channel: never more than its capacity waiting, the producer held back, the heap flat.
        assertThat(number(r, "bounded.queuedAtEnd")).isBetween(0L, capacity);
        assertThat(number(r, "bounded.peakQueued")).isBetween(1L, capacity);
        assertThat(number(r, "bounded.blockedNanos")).isPositive();
        assertThat(number(r, "bounded.heapGrowthBytes")).isLessThan(MIB);
        assertThat(number(r, "bounded.produced") - number(r, "bounded.consumed")).isBetween(0L, capacity);

        // The unbounded queue: a backlog far past the channel's capacity, holding real heap.
        long queued = number(r, "unbounded.queuedAtEnd");
        long grown = number(r, "unbounded.heapGrowthBytes");
        assertThat(queued).isGreaterThan(100 * capacity);
        assertThat(number(r, "unbounded.peakQueued")).isGreaterThanOrEqualTo(queued);
        assertThat(number(r, "unbounded.produced") - number(r, "unbounded.consumed")).isEqualTo(queued);
        // Each waiting item holds at least its 100-byte payload, and not absurdly more: the growth is the queue's.
        assertThat(grown / queued).isBetween((long) UnboundedVsBounded.PAYLOAD_BYTES, 400L);

        // The clear ratio the demo shows: the unbounded heap growth dwarfs the channel's (which is floored at
        // what a full buffer of items holds, so that a near-zero or negative measurement cannot help).
        long channelGrowth = Math.max(number(r, "bounded.heapGrowthBytes"),
                capacity * UnboundedVsBounded.ESTIMATED_BYTES_PER_QUEUED_ITEM);
        assertThat(grown).isGreaterThan(100 * channelGrowth);
        // Without backpressure the producer outran the consumer; with it, it could not.
        assertThat(number(r, "unbounded.producerRatePerSecond"))
                .isGreaterThan(2 * number(r, "unbounded.consumerRatePerSecond"));
        assertThat((double) number(r, "bounded.producerRatePerSecond"))
                .isLessThan(1.1 * number(r, "bounded.consumerRatePerSecond"));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void unboundedSideStopsItselfBeforeExhaustingATinyHeap() throws Exception {
        Map<String, String> r = runDemo("-Xmx64m", "--seconds", "3", "--producer-rate", "2000000", "--machine");
        long budget = number(r, "unboundedBudgetBytes");
        assertThat(budget).isEqualTo(number(r, "maxHeapBytes") / 2);

        assertThat(r.get("unbounded.capped")).isEqualTo("true");
        assertThat(r.get("unbounded.capReason")).contains("safety limit");
        assertThat(number(r, "unbounded.elapsedNanos")).isLessThan(TimeUnit.SECONDS.toNanos(3));
        assertThat(number(r, "unbounded.heapGrowthBytes")).isLessThanOrEqualTo(budget + 4 * MIB);
        // The bounded side is never capped and ran its full time.
        assertThat(r.get("bounded.capped")).isEqualTo("false");
        assertThat(number(r, "bounded.elapsedNanos")).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(2_900));
    }

    @Test
    void helpPrintsTheFlagsAndBadFlagsExitWithTwo() throws Exception {
        Output help = new Output();
        assertThat(UnboundedVsBounded.run(new String[] {"--help"}, help.out, help.err)).isZero();
        assertThat(help.out()).contains("--seconds", "--capacity", "--machine");

        for (String[] bad : List.of(new String[] {"--seconds", "soon"}, new String[] {"--capacity", "0"},
                new String[] {"--capacity", "1.5"}, new String[] {"--seconds"}, new String[] {"--fast"},
                new String[] {"--capacity", String.valueOf(Channel.MAX_CAPACITY + 1)})) {
            Output o = new Output();
            assertThat(UnboundedVsBounded.run(bad, o.out, o.err)).as(String.join(" ", bad)).isEqualTo(2);
            assertThat(o.err()).contains("usage:");
            assertThat(o.out()).isEmpty();
        }
    }

    @Test
    void examplesListsTheExamplesAndExitsWithTwoWithoutAKnownName() throws Exception {
        for (String[] args : List.of(new String[0], new String[] {"no-such-example"})) {
            Output o = new Output();
            assertThat(Examples.run(args, o.out, o.err)).isEqualTo(2);
            assertThat(o.err()).contains("unbounded-vs-bounded");
        }
        Output o = new Output();
        assertThat(Examples.run(new String[] {"unbounded-vs-bounded", "--help"}, o.out, o.err)).isZero();
        assertThat(o.out()).contains("--seconds");
    }

    /** Runs the demo in a fresh JVM with {@code jvmFlag} and parses its {@code key=value} lines. */
    private Map<String, String> runDemo(String jvmFlag, String... args) throws IOException, InterruptedException {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), jvmFlag, "-cp", demoClassPath(),
                UnboundedVsBounded.class.getName()));
        command.addAll(List.of(args));
        Path output = tmp.resolve("demo-output.txt");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        try {
            if (!process.waitFor(75, TimeUnit.SECONDS)) {
                fail("the demo did not stop within 75 s; output so far:%n%s", Files.readString(output));
            }
            String text = Files.readString(output);
            System.out.println(String.join(" ", command) + "\n" + text);   // kept in the surefire report
            assertThat(process.exitValue()).as("exit code; output:%n%s", text).isZero();
            Map<String, String> values = new HashMap<>();
            for (String line : text.lines().toList()) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    values.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            assertThat(values).as("output:%n%s", text).containsKeys("unbounded.heapGrowthBytes", "bounded.heapGrowthBytes");
            return values;
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Where the demo's classes and sluice-core's come from in this build (directories or jars). */
    private static String demoClassPath() {
        return String.join(File.pathSeparator, location(UnboundedVsBounded.class), location(Channel.class));
    }

    private static String location(Class<?> c) {
        try {
            return Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long number(Map<String, String> values, String key) {
        assertThat(values).containsKey(key);
        return Long.parseLong(values.get(key));
    }

    /** Captures what a run prints. */
    private static final class Output {
        private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
        final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

        String out() {
            return outBytes.toString(StandardCharsets.UTF_8);
        }

        String err() {
            return errBytes.toString(StandardCharsets.UTF_8);
        }
    }
}
