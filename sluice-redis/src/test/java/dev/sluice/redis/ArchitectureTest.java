package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** sluice-core's standing rules, applied to this module's sources. */
class ArchitectureTest {
    private static final Path MAIN = Path.of("src/main/java");
    private static final Path TEST = Path.of("src/test/java");

    private static final Pattern UNBOUNDED = Pattern.compile(
            "new\\s+(?:[\\w.]+\\.)?(LinkedBlockingQueue|LinkedBlockingDeque)\\s*<[^>]*>\\s*\\(\\s*\\)"
                    + "|new\\s+(?:[\\w.]+\\.)?(ConcurrentLinkedQueue|ConcurrentLinkedDeque|LinkedTransferQueue|PriorityBlockingQueue|DelayQueue)\\b"
                    + "|newCachedThreadPool|newVirtualThreadPerTaskExecutor|newThreadPerTaskExecutor");

    @Test
    void noUnboundedQueueOrExecutorInTheLibraryOrItsTests() throws IOException {
        assertThat(matches(MAIN, UNBOUNDED)).isEmpty();
        List<String> hits = matches(TEST, UNBOUNDED);
        hits.removeIf(h -> h.startsWith("dev/sluice/redis/ArchitectureTest.java"));
        assertThat(hits).isEmpty();
    }

    @Test
    void libraryNeverUsesSynchronizedSleepsOrTheWallClock() throws IOException {
        assertThat(matches(MAIN, Pattern.compile("\\bsynchronized\\b"))).isEmpty();
        assertThat(matches(MAIN, Pattern.compile("Thread\\.sleep|TimeUnit\\.\\w+\\.sleep"))).isEmpty();
        assertThat(matches(MAIN, Pattern.compile("System\\.currentTimeMillis|Instant\\.now\\(\\)"))).isEmpty();
    }

    @Test
    void queuesAreNeverTrimmedWithMaxlenExceptTheDeadLetterStream() throws IOException {
        List<String> hits = matches(MAIN, Pattern.compile("MAXLEN"));
        // KEYS[3] is the dead-letter stream, documented as keeping about the newest entries; Javadoc may name it.
        hits.removeIf(h -> h.contains("KEYS[3]") || h.split(": ", 2)[1].startsWith("*"));
        assertThat(hits).isEmpty();
    }

    @Test
    void internalsAreNotExported() throws IOException {
        String descriptor = Files.readString(MAIN.resolve("module-info.java"));
        assertThat(descriptor).contains("exports dev.sluice.redis;").doesNotContain("internal;");
    }

    private static List<String> matches(Path root, Pattern p) throws IOException {
        List<String> hits = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(x -> x.toString().endsWith(".java")).toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    if (p.matcher(lines.get(i)).find()) {
                        hits.add(root.relativize(f).toString().replace('\\', '/') + ":" + (i + 1) + ": " + lines.get(i).trim());
                    }
                }
            }
        }
        return hits;
    }
}
