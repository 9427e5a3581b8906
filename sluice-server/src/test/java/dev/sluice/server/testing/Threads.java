package dev.sluice.server.testing;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names of every live thread, virtual ones included ({@code Thread.getAllStackTraces} misses those),
 * from a JSON thread dump.
 */
public final class Threads {

    private static final Pattern NAME = Pattern.compile("\"name\": \"([^\"]*)\"");

    private Threads() { }

    public static Set<String> names() {
        try {
            Path dir = Files.createTempDirectory("threads");
            Path file = dir.resolve("dump.json");
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
            String json = Files.readString(file);
            Files.delete(file);
            Files.delete(dir);
            Set<String> names = new TreeSet<>();
            Matcher m = NAME.matcher(json);
            while (m.find()) {
                names.add(m.group(1));
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
