package dev.sluice.redis.fleet;

import dev.sluice.Context;
import dev.sluice.limit.Permit;
import dev.sluice.redis.Codec;
import dev.sluice.redis.RedisBackend;
import dev.sluice.redis.RedisConcurrencyLimiter;
import dev.sluice.redis.RedisTokenBucket;
import dev.sluice.redis.RedisUnavailableException;
import dev.sluice.redis.RedisWorkQueue;
import dev.sluice.redis.RedisWorker;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/** The child JVMs of {@link FleetTest}: a queue worker, a producer, a token-bucket client, a permit holder. */
public final class FleetChild {
    private FleetChild() { }

    public static void main(String[] args) throws Exception {
        String uri = args[1];
        switch (args[0]) {
            case "worker" -> worker(uri, args[2], args[3]);
            case "producer" -> producer(uri, args[2], Integer.parseInt(args[3]), Path.of(args[4]));
            case "bucket" -> bucket(uri, args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            case "permits" -> permits(uri, args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]), args[6]);
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.exit(0);
    }

    static RedisWorkQueue<String> queue(RedisBackend b, String name) {
        return RedisWorkQueue.builder(Codec.utf8()).backend(b).name(name).capacity(100_000)
                .visibilityTimeout(Duration.ofSeconds(1)).maxAttempts(1000).build();
    }

    /** Runs jobs (record the completion in Redis, then "work" 2 ms) until told on stdin to drain. */
    static void worker(String uri, String name, String consumer) throws Exception {
        try (RedisBackend b = backend(uri);
             RedisClient client = closeable(RedisClient.create(uri));
             StatefulRedisConnection<String, String> c = client.connect()) {
            c.setTimeout(Duration.ofSeconds(1));
            RedisWorkQueue<String> q = queue(b, name);
            RedisWorker<String> w = q.worker(new RedisWorker.Options(consumer, 4, 8, false), d -> {
                c.sync().hincrby("fleet:done", d.payload(), 1);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            });
            System.out.println("ready");
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.equals("drain")) {
                // wait for the parent's word
            }
            var r = w.drain(Duration.ofSeconds(10));
            System.out.println("drained " + r.ran() + " reclaimed " + w.reclaimed() + " ackFailures " + w.ackFailures());
        }
    }

    /** Submits {@code count} jobs, retrying while Redis is down; records each accepted one in {@code accepted}. */
    static void producer(String uri, String name, int count, Path accepted) throws Exception {
        try (RedisBackend b = backend(uri);
             PrintWriter out = new PrintWriter(Files.newBufferedWriter(accepted, StandardOpenOption.CREATE, StandardOpenOption.APPEND))) {
            RedisWorkQueue<String> q = queue(b, name);
            int unavailable = 0;
            for (int i = 0; i < count; i++) {
                String job = "job-" + i;
                while (true) {
                    try {
                        q.submit(Context.background().withTimeout(Duration.ofSeconds(30)), job);
                        out.println(job);
                        out.flush();
                        break;
                    } catch (RedisUnavailableException e) {
                        unavailable++;
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                    }
                }
                if (i % 50 == 0) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // keep the run long enough to be interrupted
                }
            }
            System.out.println("submitted " + count + " unavailable " + unavailable);
        }
    }

    private static void awaitGo(StatefulRedisConnection<String, String> c) {
        System.out.println("ready");
        System.out.flush();
        while (c.sync().get("fleet:go") == null) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /** Takes tokens as fast as the shared bucket allows for {@code seconds}; prints how many. */
    static void bucket(String uri, String name, int rate, int seconds) throws Exception {
        try (RedisBackend b = backend(uri);
             RedisClient client = closeable(RedisClient.create(uri));
             StatefulRedisConnection<String, String> c = client.connect()) {
            RedisTokenBucket bucket = RedisTokenBucket.builder().backend(b).name(name).rate(rate, Duration.ofSeconds(1)).burst(rate).initiallyFull(false).build();
            // Warm up (class loading, the first compilations, the script cache) on another bucket, so that a
            // cold JVM on a loaded machine does not spend the measured window starting up.
            RedisTokenBucket warm = RedisTokenBucket.builder().backend(b).name(name + "-warm-up").rate(1_000_000, Duration.ofSeconds(1)).build();
            for (int i = 0; i < 200; i++) {
                warm.acquire(Context.background().withTimeout(Duration.ofSeconds(5)), 1);
            }
            awaitGo(c);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            AtomicLong admitted = new AtomicLong();
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                ts.add(Thread.ofPlatform().start(() -> {
                    while (System.nanoTime() - end < 0) {
                        try {
                            long left = end - System.nanoTime();
                            if (left <= 0) {
                                break;
                            }
                            bucket.acquire(Context.background().withTimeout(Duration.ofNanos(left)), 1);
                            admitted.incrementAndGet();
                        } catch (dev.sluice.DeadlineExceededException e) {
                            break;
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
            for (Thread t : ts) {
                t.join();
            }
            System.out.println("admitted " + admitted.get());
        }
    }

    static final String COUNT = """
            redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
            local sum = 0
            for _, v in ipairs(redis.call('HVALS', KEYS[1])) do sum = sum + tonumber(v) end
            if sum > tonumber(ARGV[3]) then redis.call('INCR', KEYS[2]) end
            if sum > tonumber(redis.call('GET', KEYS[3]) or '0') then redis.call('SET', KEYS[3], sum) end
            return sum
            """;

    /** Holds permits of the shared limiter from {@code threads} threads, counting holders in Redis. */
    static void permits(String uri, String name, int limit, int threads, int seconds, String me) throws Exception {
        try (RedisBackend b = backend(uri);
             RedisClient client = closeable(RedisClient.create(uri));
             StatefulRedisConnection<String, String> c = client.connect();
             RedisConcurrencyLimiter l = RedisConcurrencyLimiter.builder().backend(b).name(name).limit(limit)
                     .lease(Duration.ofSeconds(1)).maxPollInterval(Duration.ofMillis(5)).build()) {
            awaitGo(c);
            String[] keys = {"fleet:holders", "fleet:violations", "fleet:max"};
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            AtomicLong held = new AtomicLong();
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                ts.add(Thread.ofPlatform().start(() -> {
                    while (System.nanoTime() - end < 0) {
                        try (Permit p = l.acquire(Context.background().withTimeout(Duration.ofSeconds(5)))) {
                            c.sync().eval(COUNT, ScriptOutputType.INTEGER, keys, me, "1", Integer.toString(limit));
                            if (held.incrementAndGet() == 1) {
                                System.out.println("holding");
                                System.out.flush();
                            }
                            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(3 + (held.get() % 5)));
                            c.sync().eval(COUNT, ScriptOutputType.INTEGER, keys, me, "-1", Integer.toString(limit));
                        } catch (InterruptedException e) {
                            return;
                        } catch (RuntimeException e) {
                            System.out.println("error " + e);
                        }
                    }
                }));
            }
            for (Thread t : ts) {
                t.join();
            }
            System.out.println("held " + held.get() + " leasesLost " + l.leasesLost());
        }
    }

    /** Generous timeouts: the children start together on a loaded machine. */
    static RedisBackend backend(String uri) {
        return RedisBackend.builder(uri).commandTimeout(Duration.ofSeconds(5)).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static RedisClient closeable(RedisClient c) {
        return c;
    }
}
