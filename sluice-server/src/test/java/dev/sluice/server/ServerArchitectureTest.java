package dev.sluice.server;

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
 * The module's standing rules, checked on its sources: the only unbounded queue is the one in the
 * deliberately naive runner; no {@code synchronized} (it pins virtual threads on JDK 21); no sleeping.
 */
class ServerArchitectureTest {

    private static final Pattern UNBOUNDED = Pattern.compile(
            "new\\s+(?:[\\w.]+\\.)?(LinkedBlockingQueue|LinkedBlockingDeque)\\s*<[^>]*>\\s*\\(\\s*\\)"
                    + "|new\\s+(?:[\\w.]+\\.)?(ConcurrentLinkedQueue|ConcurrentLinkedDeque|LinkedTransferQueue|PriorityBlockingQueue|DelayQueue)\\b"
                    + "|newCachedThreadPool|newVirtualThreadPerTaskExecutor|newThreadPerTaskExecutor|newFixedThreadPool"
                    + "|new\\s+QueuedThreadPool\\s*\\(");

    private static List<String> matches(Path root, Pattern p) throws IOException {
        List<String> hits = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(x -> x.toString().endsWith(".java"))::iterator) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    if (p.matcher(lines.get(i)).find()) {
                        hits.add(root.relativize(f) + ":" + (i + 1) + ": " + lines.get(i).trim());
                    }
                }
            }
        }
        return hits;
    }

    @Test
    void theOnlyUnboundedQueueIsTheNaiveRunners() throws IOException {
        List<String> hits = matches(Path.of("src/main/java"), UNBOUNDED);
        assertThat(hits).hasSize(1);
        assertThat(hits.get(0)).startsWith("dev/sluice/server/job/NaiveUnboundedJobRunner.java");
        assertThat(matches(Path.of("src/test/java"), UNBOUNDED)).allMatch(h -> h.contains("ServerArchitectureTest"));
    }

    @Test
    void noSynchronizedAndNoSleeping() throws IOException {
        assertThat(matches(Path.of("src/main/java"), Pattern.compile("\\bsynchronized\\b|Thread\\.sleep"))).isEmpty();
    }
}
