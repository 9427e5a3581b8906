package dev.sluice.channel.stress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which threads the JVM knows to be alive, virtual ones included. {@code Thread.getAllStackTraces()} and
 * {@code ThreadMXBean} do not list virtual threads, so this reads HotSpot's JSON thread dump, which lists
 * every virtual thread started with the {@code Thread} API.
 */
final class ThreadCensus {

    private static final Pattern NAME = Pattern.compile("\"name\": \"((?:[^\"\\\\]|\\\\.)*)\"");

    private ThreadCensus() { }

    /** Names of live threads, platform or virtual, that start with {@code prefix}. */
    static Set<String> liveThreadNames(String prefix) {
        Set<String> names = new TreeSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix)) {
                names.add(t.getName());
            }
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("sluice-threads");
            Path dump = dir.resolve("threads.json");
            Management.dumpThreadsAsJson(dump);
            Matcher m = NAME.matcher(Files.readString(dump));
            while (m.find()) {
                if (m.group(1).startsWith(prefix)) {
                    names.add(m.group(1));
                }
            }
            Files.delete(dump);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (dir != null) {
                try {
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // a leftover empty temp directory is harmless
                }
            }
        }
        return names;
    }
}
