package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The project's standing rules, checked on the sources so that a change that breaks one fails the build
 * instead of waiting for a reviewer: no unbounded queue or executor, no {@code synchronized} (it pins
 * virtual threads on JDK 21), no wall-clock time, no sleeping, no exported internals, no runtime
 * dependency in sluice-core.
 */
class ArchitectureTest {

    private static final Path MAIN = Path.of("src/main/java");
    private static final Path TEST = Path.of("src/test/java");

    private static final Pattern UNBOUNDED = Pattern.compile(
            "new\\s+(?:[\\w.]+\\.)?(LinkedBlockingQueue|LinkedBlockingDeque)\\s*<[^>]*>\\s*\\(\\s*\\)"
                    + "|new\\s+(?:[\\w.]+\\.)?(ConcurrentLinkedQueue|ConcurrentLinkedDeque|LinkedTransferQueue|PriorityBlockingQueue|DelayQueue)\\b"
                    + "|newCachedThreadPool|newVirtualThreadPerTaskExecutor|newThreadPerTaskExecutor");

    @Test
    void libraryHasNoUnboundedQueueOrExecutor() throws IOException {
        assertThat(matches(MAIN, UNBOUNDED)).isEmpty();
    }

    @Test
    void testsHaveNoUnboundedQueueOrExecutor() throws IOException {
        List<String> hits = matches(TEST, UNBOUNDED);
        hits.removeIf(h -> h.startsWith("dev/sluice/ArchitectureTest.java"));
        assertThat(hits).isEmpty();
    }

    @Test
    void libraryNeverUsesSynchronizedWhichPinsVirtualThreads() throws IOException {
        assertThat(matches(MAIN, Pattern.compile("\\bsynchronized\\b"))).isEmpty();
    }

    @Test
    void libraryMeasuresTimeWithNanoTimeNotTheWallClock() throws IOException {
        List<String> hits = matches(MAIN, Pattern.compile("System\\.currentTimeMillis|Instant\\.now\\(\\)"));
        // Context.withDeadline converts a wall-clock Instant once, by definition.
        hits.removeIf(h -> h.startsWith("dev/sluice/Context.java") && h.contains("Duration.between(Instant.now(), deadline)"));
        assertThat(hits).isEmpty();
    }

    @Test
    void libraryNeverSleeps() throws IOException {
        assertThat(matches(MAIN, Pattern.compile("Thread\\.sleep|TimeUnit\\.\\w+\\.sleep"))).isEmpty();
    }

    @Test
    void moduleExportsNoInternalPackage() throws IOException {
        String module = Files.readString(MAIN.resolve("module-info.java"));
        assertThat(module).contains("exports dev.sluice;").doesNotContain(".internal");
    }

    @Test
    void coreHasNoRuntimeDependency() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"));
        String deps = pom.substring(pom.indexOf("<dependencies>"), pom.indexOf("</dependencies>"));
        int declared = deps.split("<dependency>", -1).length - 1;
        int testScoped = deps.split("<scope>test</scope>", -1).length - 1;
        assertThat(testScoped).as("every dependency of sluice-core is test-scoped").isEqualTo(declared);
    }

    private static List<String> matches(Path root, Pattern p) throws IOException {
        List<String> hits = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(x -> x.toString().endsWith(".java"))::iterator) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i).strip();
                    if (line.startsWith("*") || line.startsWith("//") || line.startsWith("/*")) {
                        continue; // documentation may name what the code must not do
                    }
                    if (p.matcher(line).find()) {
                        hits.add(root.relativize(f).toString().replace('\\', '/') + ":" + (i + 1) + ": " + line);
                    }
                }
            }
        }
        return hits;
    }
}
