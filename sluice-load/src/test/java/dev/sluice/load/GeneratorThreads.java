package dev.sluice.load;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts the generator's live threads, platform and virtual. {@code Thread.getAllStackTraces()} does not see
 * virtual threads, so this reads a JSON thread dump and counts the names the generator gives its threads.
 */
final class GeneratorThreads {

    private static final Pattern NAME = Pattern.compile("\"name\"\\s*:\\s*\"(sluice-load-[^\"]*)\"");

    private GeneratorThreads() {
    }

    static int live() {
        try {
            Path dir = Files.createTempDirectory("threads");
            Path file = dir.resolve("dump.json");
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
            String json = Files.readString(file);
            Files.delete(file);
            Files.delete(dir);
            Matcher m = NAME.matcher(json);
            int n = 0;
            while (m.find()) {
                n++;
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
