package dev.sluice.redis.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} process for a test: a free 127.0.0.1 port, its own temporary directory,
 * no snapshots, and optionally an append-only file fsynced on every write. Fails, with a message saying
 * what to install, when redis-server is missing. {@link #restart()} stops and starts it on the same port
 * and directory (so an AOF is replayed).
 */
public final class RedisServer implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final boolean aof;
    private Process process;

    private RedisServer(boolean aof) throws IOException {
        this.aof = aof;
        this.dir = Files.createTempDirectory("sluice-redis-test");
        this.port = freePort();
    }

    /** Starts a server without persistence. */
    public static RedisServer start() throws IOException {
        return start(false);
    }

    /** Starts a server; with {@code aof}, {@code appendonly yes} and {@code appendfsync always}. */
    public static RedisServer start(boolean aof) throws IOException {
        RedisServer s = new RedisServer(aof);
        s.launch();
        return s;
    }

    public static Path binary() {
        for (String p : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server")) {
            if (Files.isExecutable(Path.of(p))) {
                return Path.of(p);
            }
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String d : path.split(":")) {
            Path c = Path.of(d, "redis-server");
            if (!d.isEmpty() && Files.isExecutable(c)) {
                return c;
            }
        }
        throw new AssertionError("redis-server is not installed: these tests need a real Redis 7. "
                + "Install it with: apt-get update && apt-get install -y redis-server");
    }

    private void launch() throws IOException {
        List<String> cmd = new ArrayList<>(List.of(binary().toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--save", "", "--daemonize", "no", "--protected-mode", "yes",
                "--logfile", dir.resolve("redis.log").toString()));
        if (aof) {
            cmd.addAll(List.of("--appendonly", "yes", "--appendfsync", "always"));
        } else {
            cmd.addAll(List.of("--appendonly", "no"));
        }
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!ping()) {
            if (!process.isAlive()) {
                throw new AssertionError("redis-server exited at start: " + Files.readString(dir.resolve("stdout.log"))
                        + (Files.exists(dir.resolve("redis.log")) ? Files.readString(dir.resolve("redis.log")) : ""));
            }
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("redis-server did not answer PING on port " + port + " within 10 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
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

    public int port() {
        return port;
    }

    /** Stops the process (SIGTERM: with AOF, Redis has fsynced every write already), waiting for it to end. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Kills the process with SIGKILL: no shutdown work at all. */
    public void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Starts it again after {@link #kill()}, on the same port and directory (an AOF is replayed). */
    public void restartAfterKill() throws IOException {
        launch();
    }

    /** Starts it again on the same port and directory. */
    public void restart() throws IOException, InterruptedException {
        stop();
        launch();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        kill();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
