package dev.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The two-stage-pipeline and file-ingester examples, held to what they print. */
class PipelineExamplesTest {

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void cancellingHalfwayLeavesNoThreadRunningAndTheReaderStaysOneLinkAhead() throws Exception {
        ExampleRun r = ExampleRun.of("two-stage-pipeline", "--records", "400", "--capacity", "8", "--work", "1ms", "--machine");
        assertThat(r.exitCode).as(r.err).isZero();
        assertThat(r.flag("cancelled")).isTrue();
        assertThat(r.number("threadsStarted")).isEqualTo(3); // read, transform, discard
        assertThat(r.number("threadsAlive")).isZero();
        assertThat(r.number("read")).isLessThan(r.number("records"));
        // Backpressure: the reader is never more than the link (plus the item each stage holds) ahead.
        assertThat(r.number("read") - r.number("transformed")).isBetween(0L, r.number("capacity") + 2);
        assertThat(r.number("readerBlockedMillis")).isPositive();
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void theHeapStaysFlatWhateverTheFileSize() throws Exception {
        Map<String, String> small = ingestInChildJvm("32m");
        Map<String, String> large = ingestInChildJvm("160m");
        for (Map<String, String> r : List.of(small, large)) {
            long lines = Long.parseLong(r.get("lines"));
            assertThat(lines).isEqualTo(Long.parseLong(r.get("linesWritten")));
            assertThat(Long.parseLong(r.get("records")) + Long.parseLong(r.get("malformed"))).isEqualTo(lines);
            assertThat(Long.parseLong(r.get("malformed"))).isEqualTo(lines / 1_000);
            assertThat(Long.parseLong(r.get("readerBlockedMillis"))).as("the reader was held back").isPositive();
        }
        long smallPeak = Long.parseLong(small.get("peakHeapAfterGc"));
        long largePeak = Long.parseLong(large.get("peakHeapAfterGc"));
        // Five times the file, in a 32 MB heap: had it been loaded it could not fit. What is held is the links'
        // contents (a few thousand lines), the same for both files, and far below the heap.
        assertThat(Long.parseLong(large.get("bytes"))).isGreaterThan(4 * Long.parseLong(large.get("maxHeap")));
        assertThat(largePeak).isLessThan(16L << 20);
        assertThat(largePeak).isLessThan(smallPeak + (8L << 20));
    }

    private Map<String, String> ingestInChildJvm(String size) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx32m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), Examples.class.getName(), "file-ingester", "--size", size,
                "--dir", tmp.toString(), "--machine"));
        Path output = tmp.resolve("ingest-" + size + ".txt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            if (!p.waitFor(150, TimeUnit.SECONDS)) {
                fail("file-ingester did not finish; output so far:%n%s", Files.readString(output));
            }
            String text = Files.readString(output);
            assertThat(p.exitValue()).as("exit code; output:%n%s", text).isZero();
            Map<String, String> values = new HashMap<>();
            for (String line : text.lines().toList()) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    values.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            assertThat(values).as(text).containsKeys("lines", "peakHeapAfterGc", "maxHeap");
            return values;
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
