package dev.sluice.micrometer;

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
class ArchitectureRulesTest {

    private static final Path MAIN = Path.of("src/main/java");
    private static final Path TEST = Path.of("src/test/java");
    private static final Pattern UNBOUNDED = Pattern.compile(
            "new\\s+(?:[\\w.]+\\.)?(LinkedBlockingQueue|LinkedBlockingDeque)\\s*<[^>]*>\\s*\\(\\s*\\)"
                    + "|new\\s+(?:[\\w.]+\\.)?(ConcurrentLinkedQueue|ConcurrentLinkedDeque|LinkedTransferQueue|PriorityBlockingQueue|DelayQueue)\\b"
                    + "|newCachedThreadPool|newVirtualThreadPerTaskExecutor|newThreadPerTaskExecutor|newFixedThreadPool"
                    + "|new\\s+QueuedThreadPool\\s*\\(\\s*\\)");

    @Test
    void noUnboundedQueueOrExecutorInLibraryOrTests() throws IOException {
        List<String> hits = matches(MAIN, UNBOUNDED);
        hits.addAll(matches(TEST, UNBOUNDED));
        hits.removeIf(h -> h.startsWith("dev/sluice/micrometer/ArchitectureRulesTest.java"));
        assertThat(hits).isEmpty();
    }

    @Test
    void noSynchronizedWallClockOrSleepInTheLibrary() throws IOException {
        assertThat(matches(MAIN, Pattern.compile("\\bsynchronized\\b"))).isEmpty();
        assertThat(matches(MAIN, Pattern.compile("System\\.currentTimeMillis|Instant\\.now\\(\\)"))).isEmpty();
        assertThat(matches(MAIN, Pattern.compile("Thread\\.sleep|TimeUnit\\.\\w+\\.sleep"))).isEmpty();
    }

    @Test
    void testsNeverSleepToSynchronise() throws IOException {
        List<String> hits = matches(TEST, Pattern.compile("Thread\\.sleep|TimeUnit\\.\\w+\\.sleep"));
        hits.removeIf(h -> h.startsWith("dev/sluice/micrometer/ArchitectureRulesTest.java"));
        assertThat(hits).isEmpty();
    }

    @Test
    void moduleExportsNoInternalPackage() throws IOException {
        assertThat(Files.readString(MAIN.resolve("module-info.java"))).doesNotContainPattern("exports\\s+[\\w.]*internal");
    }

    private static List<String> matches(Path root, Pattern p) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(x -> x.toString().endsWith(".java"))::iterator) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    if (p.matcher(lines.get(i)).find()) {
                        out.add(root.relativize(f).toString().replace('\\', '/') + ":" + (i + 1) + ": " + lines.get(i).trim());
                    }
                }
            }
        }
        return out;
    }
}
