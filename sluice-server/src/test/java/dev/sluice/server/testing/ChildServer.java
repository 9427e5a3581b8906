package dev.sluice.server.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code ./sluice serve} in a child JVM, as an operator runs it: started with flags, found through its
 * "listening on" line, stopped with a signal. Its stdout goes to a file (not a pipe: {@link Process#destroy()}
 * closes the pipes, and the drain report comes after the signal), read back for assertions.
 */
public final class ChildServer implements AutoCloseable {

    private final Process process;
    private final Path stdout;
    private URI uri;

    private ChildServer(Process process, Path stdout) {
        this.process = process;
        this.stdout = stdout;
    }

    /** Starts {@code ServeCommand} with {@code args} and waits for its listening line. */
    public static ChildServer start(String... args) throws IOException {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        String cp = Files.readString(Path.of("target/classpath.txt")).trim() + java.io.File.pathSeparator
                + Path.of("target/classes").toAbsolutePath();
        List<String> cmd = new ArrayList<>(List.of(javaBin, "-Xmx128m", "-cp", cp, "dev.sluice.server.ServeCommand"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(Path.of("target"), "child-server-", ".out");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        ChildServer c = new ChildServer(p, out);
        String line = c.awaitLine("sluice-server listening on ", Duration.ofSeconds(60));
        c.uri = URI.create(line.substring("sluice-server listening on ".length()).split(" ")[0]);
        return c;
    }

    public URI uri() {
        return uri;
    }

    public Process process() {
        return process;
    }

    /** Waits for a stdout line starting with {@code prefix}; fails the test if none comes in time. */
    public String awaitLine(String prefix, Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        List<String> lines = List.of();
        while (System.nanoTime() - end < 0) {
            try {
                lines = Files.readAllLines(stdout);
            } catch (IOException e) {
                throw new AssertionError("cannot read the child's stdout " + stdout, e);
            }
            for (String s : lines) {
                if (s.startsWith(prefix)) {
                    return s;
                }
            }
            LockSupport.parkNanos(20_000_000L);
        }
        throw new AssertionError("no line starting '" + prefix + "' within " + deadline + "; saw " + lines
                + (process.isAlive() ? "" : "; exit " + process.exitValue()));
    }

    /** Kills the child if it is still running. */
    @Override
    public void close() throws InterruptedException, IOException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        Files.deleteIfExists(stdout);
    }
}
