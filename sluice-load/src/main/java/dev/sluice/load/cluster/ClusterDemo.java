package dev.sluice.load.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.load.LoadGenerator;
import dev.sluice.load.LoadPlan;
import dev.sluice.load.LoadReport;
import dev.sluice.load.Rate;
import dev.sluice.load.overload.ServerProcess;
import dev.sluice.server.fleet.Fleet;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code ./sluice demo --cluster N}: a fleet of N job servers on one Redis, driven past the fleet's
 * capacity, with one instance killed with SIGKILL halfway; then a table of what happened to every job.
 *
 * <p>It starts a local {@code redis-server} ({@link LocalRedis}: AOF, {@code appendfsync always}) and N
 * {@code serve --redis} instances in child JVMs on loopback (port 0, the port read from their listening
 * line), then runs one open-loop {@link LoadGenerator} per instance, each at a third (1/N) of the total
 * rate, submitting asynchronous jobs ({@code 202}). Halfway through, the last instance is killed with
 * SIGKILL: the jobs it held are reclaimed by the others after the (short) visibility timeout and run
 * again. After the load, it waits until every accepted job is reported, stops the survivors with SIGTERM
 * (they drain), and counts.
 *
 * <p><b>How "lost" is computed.</b> The accepted jobs are the {@code fleetKey}s of the {@code 202}
 * answers the generators received. The completed ones are read from Redis: the reply stream of every
 * instance, killed or not, holds one entry per run of each of its jobs, written by whichever instance ran
 * it before acknowledging it. Lost = accepted keys with no {@code done} entry; redelivered = accepted
 * keys whose run was a redelivery (attempt above 1); duplicates = runs beyond the first. The exit code
 * is 1 if anything was lost.
 *
 * <p>Everything it started (servers, Redis, the temporary directory) is stopped at the end, on failure,
 * and on Ctrl-C (shutdown hooks).
 */
public final class ClusterDemo {

    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String SERVER_MAIN = "dev.sluice.server.ServeCommand";

    /**
     * The demo's size.
     *
     * @param instances   servers in the fleet (at least 2: one is killed)
     * @param workers     worker threads per instance
     * @param capacity    the fleet-wide bound on jobs waiting or running
     * @param jobMillis   each job's {@code ioMillis}
     * @param overload    offered load as a multiple of the fleet's capacity (workers x instances / job time)
     * @param duration    how long the load runs; the kill comes at half
     * @param visibility  the visibility timeout: how soon a dead instance's jobs run elsewhere
     */
    public record Settings(int instances, int workers, int capacity, long jobMillis, double overload, Duration duration,
            Duration visibility) {
        public Settings {
            if (instances < 2) {
                throw new IllegalArgumentException("--cluster needs at least 2 instances (one is killed), got " + instances);
            }
            if (instances > 9) {
                throw new IllegalArgumentException("--cluster runs at most 9 instances on this machine, got " + instances);
            }
        }

        /** The demo's size: about a minute in all. */
        public static Settings demo(int instances) {
            return new Settings(instances, 4, 8 * instances, 100, 3.0, Duration.ofSeconds(20), Duration.ofSeconds(2));
        }

        /** A small run for tests. */
        public static Settings quick(int instances) {
            return new Settings(instances, 2, 4 * instances, 50, 3.0, Duration.ofSeconds(6), Duration.ofSeconds(1));
        }

        double capacityPerSecond() {
            return instances * workers * 1000.0 / jobMillis;
        }
    }

    /** What happened to the jobs of one instance (it accepted them; any instance may have run them). */
    public record Row(String name, String instance, boolean killed, LoadReport load, long accepted, long completed,
            long failed, long redelivered, long duplicates, long lost) { }

    /** The table. */
    public record Result(List<Row> rows, long accepted, long rejected503, long rejected429, long errors, long completed,
            long redelivered, long duplicates, long lost) { }

    private ClusterDemo() { }

    /** Runs the whole demo; prints progress and the table to {@code out}. */
    public static Result run(Settings s, PrintStream out) throws Exception {
        String queue = "demo-" + Long.toHexString(System.nanoTime() & 0xffffff);
        List<ServerProcess> servers = new ArrayList<>();
        try (LocalRedis redis = LocalRedis.start()) {
            out.println("[cluster] redis-server at " + redis.uri() + " (pid " + redis.pid() + ", AOF appendfsync " + LocalRedis.appendfsync() + ")");
            List<String> flags = List.of("--port", "0", "--workers", Integer.toString(s.workers()), "--wait", "100ms",
                    "--rate", "off", "--per-client", "off", "--jobs-kept", "200000", "--grace", "10s",
                    "--redis", redis.uri(), "--redis-queue", queue, "--redis-capacity", Integer.toString(s.capacity()),
                    "--redis-visibility", s.visibility().toMillis() + "ms");
            try {
                for (int i = 1; i <= s.instances(); i++) {
                    ServerProcess p = ServerProcess.start("server-" + i, List.of("-Xmx256m", "-XX:+UseSerialGC",
                            "-XX:TieredStopAtLevel=1"), SERVER_MAIN, flags, Duration.ofSeconds(60));
                    servers.add(p);
                    out.println("[cluster] server-" + i + " at " + p.uri() + " (pid " + p.pid() + ")");
                }
                for (ServerProcess p : servers) {
                    warmUp(p);
                }
                warmUpUnderLoad(s, servers, out);
                return drive(s, queue, redis, servers, out);
            } finally {
                for (ServerProcess p : servers) {
                    p.close();
                }
            }
        }
    }

    /**
     * A few small jobs, one at a time, on each server before the load: a cold server (no JIT yet, no
     * connection to Redis used, scripts not loaded) on a busy machine otherwise spends the first seconds
     * timing out its clients, which says nothing about the fleet. At most 30 s per server.
     */
    private static void warmUp(ServerProcess p) throws java.io.IOException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int ok = 0;
        byte[] body = "{\"ioMillis\": 1}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        while (ok < 20 && System.nanoTime() - end < 0) {
            try (java.net.Socket sock = new java.net.Socket()) {
                sock.connect(new java.net.InetSocketAddress(p.uri().getHost(), p.uri().getPort()), 2_000);
                sock.setSoTimeout(5_000);
                String head = "POST /jobs?wait=true HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
                sock.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                sock.getOutputStream().write(body);
                byte[] status = sock.getInputStream().readNBytes(12);
                if (new String(status, java.nio.charset.StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200")) {
                    ok++;
                }
            } catch (java.io.IOException e) {
                // not answering yet (or too slowly): try again until the deadline
            }
        }
        if (ok < 20) {
            throw new IllegalStateException(p.name() + " did not answer 20 small jobs within 30 s: " + p.lastOutput());
        }
    }

    /**
     * The same open-loop load as the measured run, on every server at once, for a fifth of its length (at
     * most 5 s), answers discarded: the 20 jobs above load the classes, this compiles the overload paths
     * (refusals, the bounded submit's back-off, the reply reader) before anything is counted. Measured on
     * one instance: its first 15 s of overload had 33 client timeouts and a 503 p99 of 1.1 s, the next 15 s
     * none and 0.4 s. The jobs it gets accepted are not in the tally (only the measured run's 202s are).
     */
    private static void warmUpUnderLoad(Settings s, List<ServerProcess> servers, PrintStream out)
            throws InterruptedException {
        Duration d = Duration.ofMillis(Math.min(5_000, s.duration().toMillis() / 5));
        long perInstance = Math.max(1, Math.round(s.overload() * s.capacityPerSecond() / servers.size()));
        String body = "{\"ioMillis\": " + s.jobMillis() + "}";
        List<Thread> threads = new ArrayList<>();
        for (ServerProcess p : servers) {
            LoadPlan plan = LoadPlan.builder(p.uri().resolve("/jobs").toString()).method("POST").body(body)
                    .rate(new Rate(perInstance)).duration(d).clients(10).timeout(Duration.ofSeconds(3)).maxInFlight(2_000)
                    .connections(64).drainTimeout(Duration.ofSeconds(4)).build();
            threads.add(Thread.ofPlatform().name("sluice-cluster-warmup-" + p.name()).start(() -> {
                try {
                    new LoadGenerator(plan).run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    // a warm-up that fails says nothing; the measured run reports what matters
                }
            }));
        }
        for (Thread t : threads) {
            t.join(d.toMillis() + 30_000);
        }
        out.println("[cluster] warmed up under the same load for " + d.toMillis() + " ms (not counted)");
    }

    private static Result drive(Settings s, String queue, LocalRedis redis, List<ServerProcess> servers, PrintStream out)
            throws Exception {
        int n = servers.size();
        double totalRate = s.overload() * s.capacityPerSecond();
        long perInstance = Math.max(1, Math.round(totalRate / n));
        out.printf(Locale.ROOT, "[cluster] fleet capacity about %.0f jobs/s (%d x %d workers, %d ms jobs); offering %dx: "
                + "%d/s to each of %d instances for %d s; server-%d is killed with SIGKILL at %d s%n",
                s.capacityPerSecond(), n, s.workers(), s.jobMillis(), Math.round(s.overload()), perInstance, n,
                s.duration().toSeconds(), n, s.duration().toSeconds() / 2);
        List<Set<String>> accepted = new ArrayList<>();
        List<AtomicReference<String>> instance = new ArrayList<>();
        List<AtomicReference<LoadReport>> reports = new ArrayList<>();
        List<AtomicReference<Throwable>> errors = new ArrayList<>();
        List<Thread> drivers = new ArrayList<>();
        String body = "{\"ioMillis\": " + s.jobMillis() + "}";
        for (int i = 0; i < n; i++) {
            Set<String> acc = ConcurrentHashMap.newKeySet();
            AtomicReference<String> inst = new AtomicReference<>();
            AtomicReference<LoadReport> rep = new AtomicReference<>();
            AtomicReference<Throwable> err = new AtomicReference<>();
            accepted.add(acc);
            instance.add(inst);
            reports.add(rep);
            errors.add(err);
            LoadPlan plan = LoadPlan.builder(servers.get(i).uri().resolve("/jobs").toString()).method("POST").body(body)
                    .rate(new Rate(perInstance)).duration(s.duration()).clients(10)
                    .timeout(Duration.ofSeconds(3)).maxInFlight(2_000).connections(64).drainTimeout(Duration.ofSeconds(4))
                    .build();
            LoadGenerator g = new LoadGenerator(plan, (status, text) -> {
                if (status == 202 && text != null) {
                    String key = fleetKey(text);
                    if (key != null) {
                        acc.add(key);
                        inst.compareAndSet(null, key.substring(0, key.indexOf(':')));
                    }
                }
            });
            drivers.add(Thread.ofPlatform().name("sluice-cluster-load-" + (i + 1)).start(() -> {
                try {
                    rep.set(g.run());
                } catch (Throwable t) {
                    err.set(t);
                }
            }));
        }
        ServerProcess victim = servers.get(n - 1);
        long killAt = System.nanoTime() + s.duration().toNanos() / 2;
        while (System.nanoTime() - killAt < 0) {
            LockSupport.parkNanos(Math.max(1, killAt - System.nanoTime()));
        }
        victim.kill();
        out.println("[cluster] killed server-" + n + " (pid " + victim.pid() + ") with SIGKILL; it had accepted "
                + accepted.get(n - 1).size() + " jobs so far");
        for (Thread t : drivers) {
            t.join(s.duration().toMillis() + 30_000);
            if (t.isAlive()) {
                throw new IllegalStateException(t.getName() + " did not end");
            }
        }
        for (int i = 0; i < n; i++) {
            if (errors.get(i).get() != null) {
                throw new IllegalStateException("the load on server-" + (i + 1) + " failed", errors.get(i).get());
            }
        }
        for (int i = 0; i < n; i++) {
            LoadReport l = reports.get(i).get();
            out.println("[cluster] server-" + (i + 1) + " load: " + l.timeouts() + " client timeouts, " + l.abandoned()
                    + " abandoned, connection errors " + l.connectionErrorKinds() + ", peak in flight " + l.peakInFlight()
                    + ", max start lag " + Math.round(l.maxStartLagMillis()) + " ms");
        }
        out.println("[cluster] load done; waiting for every accepted job to be reported in Redis");

        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            Map<String, Replies> replies = new HashMap<>();
            long waitEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(30) + s.visibility().toNanos() * 3;
            while (true) {
                replies.clear();
                for (int i = 0; i < n; i++) {
                    String inst = instance.get(i).get();
                    if (inst != null) {
                        replies.put(inst, read(c, Fleet.replyStream(queue, inst)));
                    }
                }
                long missing = 0;
                for (int i = 0; i < n; i++) {
                    Replies r = replies.get(instance.get(i).get());
                    for (String key : accepted.get(i)) {
                        if (r == null || !r.done.contains(ticket(key))) {
                            missing++;
                        }
                    }
                }
                if (missing == 0 || System.nanoTime() - waitEnd > 0) {
                    break;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
            }
            for (int i = 0; i < n - 1; i++) {
                int code = servers.get(i).stop(Duration.ofSeconds(15));
                out.println("[cluster] server-" + (i + 1) + " stopped with SIGTERM, exit " + code);
            }
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String inst = instance.get(i).get();
                Replies r = inst == null ? new Replies() : read(c, Fleet.replyStream(queue, inst));
                Tally t = Tally.of(accepted.get(i), r);
                rows.add(new Row("server-" + (i + 1), inst == null ? "-" : inst, i == n - 1, reports.get(i).get(),
                        t.accepted(), t.completed(), t.failed(), t.redelivered(), t.duplicates(), t.lost()));
            }
            return total(rows);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** One reply stream: tickets reported done, failed, redelivered, and how many runs in all. */
    static final class Replies {
        final Set<Long> done = new HashSet<>();
        final Set<Long> failed = new HashSet<>();
        final Set<Long> redelivered = new HashSet<>();
        final Set<Long> all = new HashSet<>();
        long runs;

        /** Counts one reply entry (fields t, s, a as the servers write them). */
        void add(Map<String, String> f) {
            long t = Long.parseLong(f.get("t"));
            runs++;
            all.add(t);
            if ("done".equals(f.get("s"))) {
                done.add(t);
            } else {
                failed.add(t);
            }
            if (Integer.parseInt(f.getOrDefault("a", "1")) > 1) {
                redelivered.add(t);
            }
        }
    }

    /** The accepted jobs of one instance against its replies. */
    record Tally(long accepted, long completed, long failed, long redelivered, long duplicates, long lost) {
        static Tally of(Set<String> acceptedKeys, Replies r) {
            long completed = 0;
            long failed = 0;
            long redelivered = 0;
            long lost = 0;
            for (String key : acceptedKeys) {
                long t = ticket(key);
                if (r.done.contains(t)) {
                    completed++;
                } else if (r.failed.contains(t)) {
                    failed++;
                } else {
                    lost++;
                }
                if (r.redelivered.contains(t)) {
                    redelivered++;
                }
            }
            return new Tally(acceptedKeys.size(), completed, failed, redelivered, r.runs - r.all.size(), lost);
        }
    }

    private static Replies read(StatefulRedisConnection<String, String> c, String stream) {
        Replies r = new Replies();
        String from = "-";
        while (true) {
            List<StreamMessage<String, String>> batch = c.sync().xrange(stream, Range.create(from, "+"), Limit.from(1000));
            for (StreamMessage<String, String> m : batch) {
                if (m.getId().equals(from)) {
                    continue;
                }
                r.add(m.getBody());
            }
            if (batch.size() < 1000) {
                return r;
            }
            from = batch.get(batch.size() - 1).getId();
        }
    }

    private static String fleetKey(String json) {
        try {
            JsonNode n = JSON.readTree(json).get("fleetKey");
            return n == null ? null : n.asText();
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static long ticket(String key) {
        return Long.parseLong(key.substring(key.indexOf(':') + 1));
    }

    private static Result total(List<Row> rows) {
        long acc = 0, r503 = 0, r429 = 0, err = 0, done = 0, red = 0, dup = 0, lost = 0;
        for (Row r : rows) {
            acc += r.accepted();
            r503 += r.load().unavailable();
            r429 += r.load().tooManyRequests();
            err += r.load().connectionErrors() + r.load().timeouts() + r.load().abandoned();
            done += r.completed();
            red += r.redelivered();
            dup += r.duplicates();
            lost += r.lost();
        }
        return new Result(rows, acc, r503, r429, err, done, red, dup, lost);
    }

    /** The table, as printed. */
    public static String table(Result res) {
        StringBuilder b = new StringBuilder();
        String fmt = "%-10s %-14s %-7s %8s %9s %8s %8s %9s %10s %12s %11s %5s%n";
        b.append(String.format(Locale.ROOT, fmt, "server", "instance", "state", "sent", "accepted", "rej 503", "rej 429",
                "errors", "completed", "redelivered", "duplicates", "lost"));
        for (Row r : res.rows()) {
            LoadReport l = r.load();
            b.append(String.format(Locale.ROOT, fmt, r.name(), r.instance(), r.killed() ? "killed" : "drained", l.sent(),
                    r.accepted(), l.unavailable(), l.tooManyRequests(), l.connectionErrors() + l.timeouts() + l.abandoned(), r.completed(),
                    r.redelivered(), r.duplicates(), r.lost()));
        }
        long sent = res.rows().stream().mapToLong(r -> r.load().sent()).sum();
        b.append(String.format(Locale.ROOT, fmt, "fleet", "", "", sent, res.accepted(), res.rejected503(), res.rejected429(),
                res.errors(), res.completed(), res.redelivered(), res.duplicates(), res.lost()));
        b.append(String.format(Locale.ROOT, "%naccepted = 202 answers; completed = accepted jobs with a 'done' report in "
                + "Redis (distinct); redelivered = of those, run again after a holder died; duplicates = runs beyond the "
                + "first; errors = connection failures and timeouts (the killed server's clients); lost = accepted - "
                + "completed - failed = %d%s%n", res.lost(), res.lost() == 0 ? " (none)" : " (JOBS WERE LOST)"));
        return b.toString();
    }
}
