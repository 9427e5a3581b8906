package dev.sluice.load.overload;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A server in a child JVM on this JVM's class path: started by {@link #start}, which returns once the child
 * prints {@code "sluice-server listening on <url>"}; stopped by {@link #close()} (SIGTERM, then a kill after
 * a grace period). Every child still running when this JVM exits (Ctrl-C, a failure) is killed by a
 * shutdown hook, so nothing started here outlives it.
 *
 * <p>The child's output is read by one daemon thread and only its last {@value #KEPT_LINES} lines are kept,
 * for error messages. Memory figures come from {@code /proc/<pid>/status} (Linux).
 */
public final class ServerProcess implements AutoCloseable {

    /** The line prefix the job server prints once it listens. */
    public static final String LISTENING = "sluice-server listening on ";

    private static final int KEPT_LINES = 50;
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("sluice-load-reaper").unstarted(() -> {
            for (Process p : LIVE) {
                p.destroyForcibly();
            }
        }));
    }

    private final Process process;
    private final String name;
    private final URI uri;
    private final ArrayDeque<String> lastLines = new ArrayDeque<>();
    private final ReentrantLock linesLock = new ReentrantLock();

    private ServerProcess(String name, Process process, URI uri) {
        this.name = name;
        this.process = process;
        this.uri = uri;
    }

    /**
     * Starts {@code mainClass} with {@code args} in a child JVM with {@code jvmArgs}, and waits up to
     * {@code startTimeout} for its listening line.
     *
     * @throws IllegalStateException if it exits or stays silent; the child is killed and its last output
     *                               is in the message
     */
    public static ServerProcess start(String name, List<String> jvmArgs, String mainClass, List<String> args,
                                      Duration startTimeout) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        LIVE.add(p);
        CountDownLatch listening = new CountDownLatch(1);
        URI[] found = new URI[1];
        ServerProcess[] self = new ServerProcess[1];
        ArrayDeque<String> early = new ArrayDeque<>();
        ReentrantLock earlyLock = new ReentrantLock();
        Thread reader = Thread.ofPlatform().daemon().name("sluice-load-child-output-" + name).start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    ServerProcess s = self[0];
                    if (s != null) {
                        s.keep(line);
                    } else {
                        earlyLock.lock();
                        try {
                            early.addLast(line);
                            if (early.size() > KEPT_LINES) {
                                early.removeFirst();
                            }
                        } finally {
                            earlyLock.unlock();
                        }
                    }
                    int at = line.indexOf(LISTENING);
                    if (found[0] == null && at >= 0) {
                        String rest = line.substring(at + LISTENING.length()).trim();
                        int space = rest.indexOf(' ');
                        found[0] = URI.create(space < 0 ? rest : rest.substring(0, space));
                        listening.countDown();
                    }
                }
            } catch (IOException e) {
                // The child's output closed: it exited; the caller sees that through the process.
            }
            listening.countDown();
        });
        boolean ok = listening.await(startTimeout.toMillis(), TimeUnit.MILLISECONDS) && found[0] != null;
        if (!ok) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
            LIVE.remove(p);
            reader.join(TimeUnit.SECONDS.toMillis(2));
            earlyLock.lock();
            try {
                throw new IllegalStateException(name + " server did not start within " + startTimeout
                        + (p.isAlive() ? "" : " (exit " + p.exitValue() + ")") + "; its output:\n" + String.join("\n", early));
            } finally {
                earlyLock.unlock();
            }
        }
        ServerProcess s = new ServerProcess(name, p, found[0]);
        earlyLock.lock();
        try {
            s.lastLines.addAll(early);
        } finally {
            earlyLock.unlock();
        }
        self[0] = s;
        return s;
    }

    private void keep(String line) {
        linesLock.lock();
        try {
            lastLines.addLast(line);
            if (lastLines.size() > KEPT_LINES) {
                lastLines.removeFirst();
            }
        } finally {
            linesLock.unlock();
        }
    }

    /** The child's last lines of output. */
    public String lastOutput() {
        linesLock.lock();
        try {
            return String.join("\n", lastLines);
        } finally {
            linesLock.unlock();
        }
    }

    public String name() {
        return name;
    }

    /** {@code http://127.0.0.1:port}. */
    public URI uri() {
        return uri;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Resident set size now, in KiB ({@code VmRSS}); -1 if unknown (not Linux, or the child has exited). */
    public long rssKb() {
        return statusField("VmRSS:");
    }

    /** Peak resident set size so far, in KiB ({@code VmHWM}); -1 if unknown. */
    public long peakRssKb() {
        return statusField("VmHWM:");
    }

    private long statusField(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).replace("kB", "").trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Kills the child with SIGKILL (no drain, no shutdown hook) and waits for it to be gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        if (!process.isAlive()) {
            LIVE.remove(process);
        }
    }

    /** Sends SIGTERM, waits up to {@code grace} for the exit, then kills; returns the exit code. */
    public int stop(Duration grace) throws InterruptedException {
        try {
            process.destroy();
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            return process.isAlive() ? -1 : process.exitValue();
        } finally {
            if (!process.isAlive()) {
                LIVE.remove(process);
            }
        }
    }

    /** {@link #stop(Duration)} with a 3 s grace; a server with a backlog is killed rather than waited for. */
    @Override
    public void close() {
        try {
            stop(Duration.ofSeconds(3));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
