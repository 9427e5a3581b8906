package dev.sluice.bench.redis;

import dev.sluice.limit.Permit;
import dev.sluice.redis.Codec;
import dev.sluice.redis.RedisBackend;
import dev.sluice.redis.RedisConcurrencyLimiter;
import dev.sluice.redis.RedisTokenBucket;
import dev.sluice.redis.RedisWorkQueue;
import dev.sluice.redis.RedisWorker;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.redisson.Redisson;
import org.redisson.api.RPermitExpirableSemaphore;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * The Redis benchmarks of issue 6, side by side on one Redis server in one run: sluice's queue
 * throughput with 1 and 3 workers; token-bucket acquisitions per second (sluice vs Bucket4j's Lettuce
 * backend) and concurrency acquire+release per second (sluice vs Redisson's RPermitExpirableSemaphore)
 * from 1 and 8 client threads. Each measurement is a fixed-length window; implementations alternate
 * within each round so that the machine's noise falls on all of them alike; medians and min-max of the
 * rounds are printed with the Redis commands executed per operation (from INFO commandstats), which for
 * these synchronous calls is the number of round trips.
 *
 * <p>Run: {@code java -cp sluice-bench/target/benchmarks.jar dev.sluice.bench.redis.RedisBench [rounds] [seconds]}.
 * It starts its own redis-server (Debian's, on a free loopback port, no persistence) and stops it.
 */
public final class RedisBench {
    private RedisBench() { }

    interface Op {
        void run() throws Exception;
    }

    record Result(double opsPerSec, double commandsPerOp) { }

    static final Map<String, List<Result>> results = new LinkedHashMap<>();
    static final Map<String, Double> roundTrips = new LinkedHashMap<>();
    static int port;

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 2.0;
        Path dir = Files.createTempDirectory("sluice-redis-bench");
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Process redis = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--save", "", "--appendonly", "no").redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile()).start();
        String uri = "redis://127.0.0.1:" + port;
        try {
            awaitUp(uri);
            System.out.println("redis-server on " + uri + "; rounds " + rounds + " x " + seconds + " s; load " + load());
            limits(uri, rounds, seconds);
            queue(uri, rounds);
            System.out.println("load after " + load());
            print();
        } finally {
            redis.destroy();
            redis.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static void limits(String uri, int rounds, double seconds) throws Exception {
        RedisBackend backend = RedisBackend.connect(uri);
        RedisTokenBucket sluiceBucket = RedisTokenBucket.builder().backend(backend).name("bench-bucket")
                .rate(10_000_000, Duration.ofSeconds(1)).burst(10_000_000).build();
        RedisConcurrencyLimiter sluicePermits = RedisConcurrencyLimiter.builder().backend(backend).name("bench-permits")
                .limit(1000).lease(Duration.ofSeconds(10)).build();

        RedisClient b4jClient = RedisClient.create(uri);
        StatefulRedisConnection<byte[], byte[]> b4jConn = b4jClient.connect(ByteArrayCodec.INSTANCE);
        ProxyManager<byte[]> b4j = Bucket4jLettuce.casBasedBuilder(b4jConn.async())
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10))).build();
        BucketConfiguration conf = BucketConfiguration.builder()
                .addLimit(l -> l.capacity(10_000_000).refillGreedy(10_000_000, Duration.ofSeconds(1))).build();
        BucketProxy b4jBucket = b4j.builder().build("bench-b4j".getBytes(), () -> conf);

        Config rc = new Config();
        rc.useSingleServer().setAddress(uri).setConnectionMinimumIdleSize(8).setConnectionPoolSize(16);
        RedissonClient redisson = Redisson.create(rc);
        RPermitExpirableSemaphore sem = redisson.getPermitExpirableSemaphore("bench-redisson");
        sem.trySetPermits(1000);

        Map<String, Op> cases = new LinkedHashMap<>();
        cases.put("token bucket: sluice RedisTokenBucket.tryAcquire", () -> check(sluiceBucket.tryAcquire()));
        cases.put("token bucket: Bucket4j Lettuce tryConsume(1)", () -> check(b4jBucket.tryConsume(1)));
        cases.put("permits: sluice RedisConcurrencyLimiter tryAcquire+close", () -> {
            Permit p = sluicePermits.tryAcquire();
            check(p != null);
            p.close();
        });
        cases.put("permits: Redisson RPermitExpirableSemaphore tryAcquire(0, 10 s)+release", () -> {
            String id = sem.tryAcquire(0, 10, TimeUnit.SECONDS);
            check(id != null);
            sem.release(id);
        });
        for (Map.Entry<String, Op> c : cases.entrySet()) {
            for (int i = 0; i < 200; i++) {
                c.getValue().run(); // warm the scripts into the server's cache first
            }
            roundTrips.put(c.getKey(), RoundTrips.perOp(port, c.getValue(), 500));
        }
        try (StatefulRedisConnection<String, String> info = RedisClient.create(uri).connect()) {
            for (int threads : new int[] {1, 8}) {
                for (int r = -1; r < rounds; r++) { // round -1 is the warm-up
                    for (Map.Entry<String, Op> c : cases.entrySet()) {
                        Result res = measure(info, c.getValue(), threads, seconds);
                        if (r >= 0) {
                            results.computeIfAbsent(c.getKey() + " [" + threads + " thread" + (threads > 1 ? "s" : "") + "]",
                                    k -> new ArrayList<>()).add(res);
                        }
                    }
                }
            }
        }
        redisson.shutdown();
        b4jConn.close();
        b4jClient.shutdown();
        sluicePermits.close();
        backend.close();
    }

    static void check(boolean ok) {
        if (!ok) {
            throw new IllegalStateException("refused: the benchmark's limits are meant never to refuse");
        }
    }

    static Result measure(StatefulRedisConnection<String, String> info, Op op, int threads, double seconds) throws Exception {
        long before = commands(info);
        LongAdder ops = new LongAdder();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        List<Thread> ts = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < threads; i++) {
            ts.add(Thread.ofPlatform().start(() -> {
                try {
                    while (System.nanoTime() - end < 0) {
                        op.run();
                        ops.increment();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (Thread t : ts) {
            t.join();
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        long after = commands(info);
        return new Result(ops.sum() / elapsed, (after - before - 1) / (double) ops.sum());
    }

    /** Commands the server has executed, from INFO commandstats (excluding INFO itself). */
    static long commands(StatefulRedisConnection<String, String> info) {
        long n = 0;
        for (String line : info.sync().info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_") && !line.startsWith("cmdstat_info:")) {
                int a = line.indexOf("calls=") + 6;
                n += Long.parseLong(line.substring(a, line.indexOf(',', a)));
            }
        }
        return n;
    }

    static void queue(String uri, int rounds) throws Exception {
        int jobs = 20_000;
        for (int r = -1; r < rounds; r++) {
            for (int workers : new int[] {1, 3}) {
                List<RedisBackend> backends = new ArrayList<>();
                RedisBackend producerSide = RedisBackend.connect(uri);
                RedisWorkQueue<byte[]> q = RedisWorkQueue.builder(Codec.bytes()).backend(producerSide)
                        .name("bench-q-" + r + "-" + workers).capacity(10_000).build();
                List<RedisWorker<byte[]>> ws = new ArrayList<>();
                LongAdder done = new LongAdder();
                for (int w = 0; w < workers; w++) {
                    RedisBackend b = RedisBackend.connect(uri); // each worker as its own instance
                    backends.add(b);
                    RedisWorkQueue<byte[]> wq = RedisWorkQueue.builder(Codec.bytes()).backend(b).name(q.name()).capacity(10_000).build();
                    ws.add(wq.worker(new RedisWorker.Options("bench-" + w, 8, 64, false), d -> done.increment()));
                }
                byte[] payload = new byte[64];
                LongAdder submitted = new LongAdder();
                long t0 = System.nanoTime();
                List<Thread> producers = new ArrayList<>();
                for (int p = 0; p < 8; p++) {
                    producers.add(Thread.ofPlatform().start(() -> {
                        try {
                            for (int i = 0; i < jobs / 8; i++) {
                                q.submit(payload);
                                submitted.increment();
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }));
                }
                for (Thread t : producers) {
                    t.join();
                }
                double submitSecs = (System.nanoTime() - t0) / 1e9;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (done.sum() < jobs && System.nanoTime() - deadline < 0) {
                    LockSupport.parkNanos(200_000);
                }
                double doneSecs = (System.nanoTime() - t0) / 1e9;
                for (RedisWorker<byte[]> w : ws) {
                    w.drain(Duration.ofSeconds(5));
                }
                if (r >= 0) {
                    String k = "queue: " + workers + " worker" + (workers > 1 ? "s" : "") + " (8 handler threads each), 8 producer threads";
                    results.computeIfAbsent(k + " - submitted/s", x -> new ArrayList<>()).add(new Result(submitted.sum() / submitSecs, Double.NaN));
                    results.computeIfAbsent(k + " - completed/s", x -> new ArrayList<>()).add(new Result(done.sum() / doneSecs, Double.NaN));
                }
                producerSide.close();
                for (RedisBackend b : backends) {
                    b.close();
                }
            }
        }
    }

    static void print() {
        System.out.println();
        System.out.println("| case | median ops/s | min - max | server commands per op, incl. inside scripts (median) | round trips per op (1 thread, MONITOR) |");
        System.out.println("|---|---:|---:|---:|---:|");
        for (Map.Entry<String, List<Result>> e : results.entrySet()) {
            double[] v = e.getValue().stream().mapToDouble(Result::opsPerSec).sorted().toArray();
            double[] c = e.getValue().stream().mapToDouble(Result::commandsPerOp).sorted().toArray();
            String base = e.getKey().replaceAll(" \\[.*", "");
            Double rt = roundTrips.get(base);
            System.out.printf(Locale.ROOT, "| %s | %,.0f | %,.0f - %,.0f | %s | %s |%n", e.getKey(), v[v.length / 2], v[0], v[v.length - 1],
                    Double.isNaN(c[c.length / 2]) ? "-" : String.format(Locale.ROOT, "%.2f", c[c.length / 2]),
                    rt == null ? "-" : String.format(Locale.ROOT, "%.2f", rt));
        }
    }

    static void awaitUp(String uri) throws IOException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            RedisClient c = RedisClient.create(uri);
            try (StatefulRedisConnection<String, String> conn = c.connect()) {
                conn.sync().ping();
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() - end > 0) {
                    throw new IOException("redis-server did not start", e);
                }
                LockSupport.parkNanos(20_000_000L);
            } finally {
                c.shutdown();
            }
        }
    }

    static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }
}
