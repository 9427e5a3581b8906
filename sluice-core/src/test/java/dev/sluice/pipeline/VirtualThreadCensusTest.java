package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testing.Poll;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With the default factory (virtual threads, invisible to {@code Thread.getAllStackTraces()}), counts the
 * pipeline's threads in HotSpot's JSON thread dump: the count returns to its baseline after a failure.
 */
@Timeout(30)
class VirtualThreadCensusTest {

    private static final Pattern NAME = Pattern.compile("\"name\": \"sluice-pipeline:[^\"]*\"");

    static long livePipelineThreads() throws IOException {
        Path dir = Files.createTempDirectory("sluice-census");
        Path dump = dir.resolve("threads.json");
        try {
            Class<?> type = Class.forName("com.sun.management.HotSpotDiagnosticMXBean");
            Object bean = Class.forName("java.lang.management.ManagementFactory")
                    .getMethod("getPlatformMXBean", Class.class).invoke(null, type);
            Class<?> format = Class.forName("com.sun.management.HotSpotDiagnosticMXBean$ThreadDumpFormat");
            Object json = format.getMethod("valueOf", String.class).invoke(null, "JSON");
            Method m = type.getMethod("dumpThreads", String.class, format);
            m.invoke(bean, dump.toString(), json);
            Matcher matcher = NAME.matcher(Files.readString(dump));
            long n = 0;
            while (matcher.find()) {
                n++;
            }
            return n;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        } finally {
            Files.deleteIfExists(dump);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void theThreadCountReturnsToItsBaselineAfterAFailure() throws Exception {
        long baseline = livePipelineThreads();
        RunningPipeline p = Pipeline.from("src", () -> Stream.iterate(0, i -> i + 1).iterator())
                .map("m", x -> x)
                .mapParallel("par", 4, true, x -> {
                    if (x == 10_000) {
                        throw new IllegalStateException("boom");
                    }
                    return x;
                })
                .to("sink", x -> { }).start();
        Poll.until("the pipeline's threads show in the dump", () -> {
            try {
                return p.isDone() || livePipelineThreads() > baseline;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThatThrownBy(p::await).isInstanceOf(PipelineFailedException.class);
        assertThat(livePipelineThreads()).isEqualTo(baseline);
    }
}
