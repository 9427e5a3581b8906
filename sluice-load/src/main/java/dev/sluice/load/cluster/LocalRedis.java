package dev.sluice.load.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A {@code redis-server} of the demo's own: a free 127.0.0.1 port, a temporary directory, the append-only
 * file fsynced on every write ({@code appendfsync always}, so an acknowledged submit survives a Redis
 * crash), no snapshots. {@link #close()} kills it and deletes the directory; a shutdown hook does the same
 * if this JVM ends first (Ctrl-C, a failure).
 */
public final class LocalRedis implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final Process process;
    private final Thread hook;

    private LocalRedis(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
        this.hook = Thread.ofPlatform().name("sluice-demo-redis-reaper").unstarted(this::destroy);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The redis-server binary on the PATH (or in /usr/bin, /usr/local/bin). @throws IllegalStateException saying what to install */
    public static Path binary() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String d : (path + ":/usr/bin:/usr/local/bin").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "redis-server"))) {
                return Path.of(d, "redis-server");
            }
        }
        throw new IllegalStateException("redis-server is not installed; the cluster demo needs a real Redis 7 "
                + "(apt-get install -y redis-server)");
    }

    /** Starts one and returns once it answers PING (at most 10 s). */
    public static LocalRedis start() throws IOException {
        Path bin = binary();
        Path dir = Files.createTempDirectory("sluice-demo-redis");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Process p = new ProcessBuilder(List.of(bin.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--save", "", "--appendonly", "yes", "--appendfsync", appendfsync(),
                "--daemonize", "no", "--protected-mode", "yes", "--logfile", dir.resolve("redis.log").toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        LocalRedis r = new LocalRedis(dir, port, p);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!r.ping()) {
            if (!p.isAlive() || System.nanoTime() - end > 0) {
                String log = Files.exists(dir.resolve("redis.log")) ? Files.readString(dir.resolve("redis.log")) : "";
                r.close();
                throw new IllegalStateException("redis-server did not start on port " + port + ": " + log);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        return r;
    }

    /** {@code always} unless {@code SLUICE_DEMO_APPENDFSYNC} says otherwise (for measuring what fsync costs). */
    static String appendfsync() {
        String v = System.getenv().getOrDefault("SLUICE_DEMO_APPENDFSYNC", "always");
        if (!v.equals("always") && !v.equals("everysec") && !v.equals("no")) {
            throw new IllegalArgumentException("SLUICE_DEMO_APPENDFSYNC must be always, everysec or no, got '" + v + "'");
        }
        return v;
    }

    private boolean ping() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            s.setSoTimeout(500);
            s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] buf = new byte[7];
            int n = s.getInputStream().read(buf);
            return n > 0 && new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    private void destroy() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory; nothing else to do
        }
    }

    /** Kills the server and deletes its directory. */
    @Override
    public void close() {
        destroy();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs (harmlessly) again
        }
    }
}
