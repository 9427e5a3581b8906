package dev.sluice.redis.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.redis.testing.Poll;
import dev.sluice.redis.testing.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several JVMs against one real Redis: three queue workers and a producer, one worker killed with
 * SIGKILL mid-job and Redis itself killed and restarted (AOF, appendfsync always) mid-run; three
 * processes sharing a token bucket and a concurrency limiter, one holder killed. Sizes grow with
 * SLUICE_STRESS_SCALE.
 */
class FleetTest {
    /** Each test's limit grows with the scale: 4 minutes at CI size. */
    static final Duration LIMIT = Duration.ofSeconds(240L * Math.max(1, Integer.parseInt(System.getenv().getOrDefault("SLUICE_STRESS_SCALE", "1"))));

    static final int SCALE = Math.max(1, Integer.parseInt(System.getenv().getOrDefault("SLUICE_STRESS_SCALE", "1")));

    @TempDir
    Path tmp;
    final List<Child> children = new ArrayList<>();

    /** A child JVM with its stdout lines in a bounded queue. */
    static final class Child {
        final Process process;
        final BlockingQueue<String> lines = new ArrayBlockingQueue<>(10_000);
        final List<String> all = java.util.Collections.synchronizedList(new ArrayList<>());

        Child(String... args) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), FleetChild.class.getName()));
            cmd.addAll(List.of(args));
            process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            Thread.ofPlatform().daemon().name("child-reader").start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String l;
                    while ((l = r.readLine()) != null) {
                        all.add(l);
                        lines.offer(l);
                    }
                } catch (IOException e) {
                    // the child is gone
                }
            });
        }

        void awaitLine(String prefix) throws InterruptedException {
            long end = System.nanoTime() + LIMIT.toNanos();
            while (true) {
                String l = lines.poll(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (l == null) {
                    throw new AssertionError("child never printed " + prefix + "; output: " + all);
                }
                if (l.startsWith(prefix)) {
                    return;
                }
            }
        }

        void send(String line) throws IOException {
            OutputStream o = process.getOutputStream();
            o.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            o.flush();
        }

        String finish() throws InterruptedException {
            assertThat(process.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)).as("child ended; output " + all).isTrue();
            assertThat(process.exitValue()).as("exit code; output " + all).isZero();
            return String.join("\n", all);
        }
    }

    @AfterEach
    void killChildren() throws InterruptedException {
        for (Child c : children) {
            c.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    Child child(String... args) throws IOException {
        Child c = new Child(args);
        children.add(c);
        return c;
    }

    @Test
    void everyAcceptedJobCompletesDespiteAKilledWorkerAndARedisCrash() {
        within(this::everyAcceptedJobCompletesDespiteAKilledWorkerAndARedisCrashBody);
    }

    void everyAcceptedJobCompletesDespiteAKilledWorkerAndARedisCrashBody() throws Exception {
        int jobs = 3000 * SCALE;
        try (RedisServer redis = RedisServer.start(true)) {
            List<Child> workers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                workers.add(child("worker", redis.uri(), "fleet", "worker-" + i));
            }
            for (Child w : workers) {
                w.awaitLine("ready");
            }
            Path accepted = tmp.resolve("accepted.txt");
            Child producer = child("producer", redis.uri(), "fleet", Integer.toString(jobs), accepted.toString());
            RedisClient client = RedisClient.create(redis.uri());
            try {
                StatefulRedisConnection<String, String> c = client.connect();
                Poll.until("a quarter done", LIMIT, () -> producerAlive(producer) && hlenQuietly(c) >= jobs / 4);
                workers.get(0).process.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // kill -9, mid-job
                long doneAtKill = c.sync().hlen("fleet:done");
                Poll.until("half done", LIMIT, () -> producerAlive(producer) && hlenQuietly(c) >= jobs / 2);
                c.close();
                redis.kill(); // SIGKILL: only what was fsynced survives
                redis.restartAfterKill();
                String out = producer.finish();
                List<String> acceptedJobs = Files.readAllLines(accepted);
                StatefulRedisConnection<String, String> c2 = client.connect();
                Set<String> acceptedSet = new HashSet<>(acceptedJobs);
                Poll.until("every accepted job completed", LIMIT,
                        () -> c2.sync().hkeys("fleet:done").containsAll(acceptedSet));
                for (Child w : workers.subList(1, 3)) {
                    w.send("drain");
                }
                String w1 = workers.get(1).finish();
                String w2 = workers.get(2).finish();
                Map<String, String> done = c2.sync().hgetall("fleet:done");
                long runs = done.values().stream().mapToLong(Long::parseLong).sum();
                long duplicates = runs - done.size();
                Set<String> lost = new HashSet<>(acceptedSet);
                lost.removeAll(done.keySet());
                System.out.printf("fleet queue: jobs=%d accepted=%d completed=%d runs=%d duplicates=%d lost=%d doneAtKill=%d%n  producer: %s%n  w1: %s%n  w2: %s%n",
                        jobs, acceptedSet.size(), done.size(), runs, duplicates, lost.size(), doneAtKill, out, w1, w2);
                assertThat(acceptedSet).as("every submit was eventually accepted").hasSize(jobs);
                assertThat(lost).as("lost jobs").isEmpty();
                assertThat(c2.sync().get("sluice:queue:{fleet}:backlog")).isEqualTo("0");
                c2.close();
            } finally {
                client.shutdown();
            }
        }
    }

    /** True while the producer runs or after it succeeded; fails the test at once if it died. */
    private static boolean producerAlive(Child producer) {
        if (!producer.process.isAlive() && producer.process.exitValue() != 0) {
            throw new AssertionError("the producer died: " + producer.all);
        }
        return true;
    }

    private static long hlenQuietly(StatefulRedisConnection<String, String> c) {
        try {
            return c.sync().hlen("fleet:done");
        } catch (RuntimeException e) {
            return 0;
        }
    }

    @Test
    void theFleetWideRateStaysWithinFivePercentOfTheLimit() {
        within(this::theFleetWideRateStaysWithinFivePercentOfTheLimitBody);
    }

    void theFleetWideRateStaysWithinFivePercentOfTheLimitBody() throws Exception {
        int rate = 100;
        int seconds = 8 * SCALE;
        try (RedisServer redis = RedisServer.start()) {
            List<Child> cs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                cs.add(child("bucket", redis.uri(), "fleet-rate", Integer.toString(rate), Integer.toString(seconds)));
            }
            for (Child c : cs) {
                c.awaitLine("ready");
            }
            go(redis);
            long total = 0;
            for (Child c : cs) {
                String out = c.finish();
                String line = out.lines().filter(l -> l.startsWith("admitted ")).findFirst().orElseThrow();
                total += Long.parseLong(line.substring("admitted ".length()));
            }
            // The bucket starts empty, so the fleet can never have taken more than rate x time since its
            // first call; its burst of one second lets it catch up after a stall of the (loaded) machine in
            // which nobody was able to ask, instead of wasting those tokens.
            assertThat(total).as("never more than the rate allows").isLessThanOrEqualTo((long) rate * seconds + 3);
            double perSecond = (double) total / seconds;
            System.out.printf("fleet rate: configured %d/s, measured %.1f/s over %d s by 3 processes (%d admitted)%n", rate, perSecond, seconds, total);
            assertThat(perSecond).isBetween(rate * 0.95, rate * 1.05);
        }
    }

    @Test
    void theFleetWideConcurrencyNeverExceedsTheLimitEvenWhenAHolderIsKilled() {
        within(this::theFleetWideConcurrencyNeverExceedsTheLimitEvenWhenAHolderIsKilledBody);
    }

    void theFleetWideConcurrencyNeverExceedsTheLimitEvenWhenAHolderIsKilledBody() throws Exception {
        int limit = 4;
        int seconds = 6 * SCALE;
        try (RedisServer redis = RedisServer.start()) {
            List<Child> cs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                cs.add(child("permits", redis.uri(), "fleet-permits", Integer.toString(limit), "4", Integer.toString(seconds), "c" + i));
            }
            for (Child c : cs) {
                c.awaitLine("ready");
            }
            go(redis);
            cs.get(0).awaitLine("holding");
            RedisClient client = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                Poll.until("the victim holds a permit", Duration.ofSeconds(10), () -> {
                    String v = c.sync().hget("fleet:holders", "c0");
                    return v != null && Long.parseLong(v) > 0;
                });
                cs.get(0).process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                String held = c.sync().hget("fleet:holders", "c0");
                // The dead holder no longer works; its permits stay leased until they expire (1 s).
                c.sync().hdel("fleet:holders", "c0");
                long heldAfterKill = Long.parseLong(c.sync().get("fleet:max"));
                String o1 = cs.get(1).finish();
                String o2 = cs.get(2).finish();
                long violations = Long.parseLong(String.valueOf(c.sync().get("fleet:violations") == null ? "0" : c.sync().get("fleet:violations")));
                long max = Long.parseLong(c.sync().get("fleet:max"));
                System.out.printf("fleet permits: limit %d, max concurrent %d, violations %d, victim held %s at kill%n  %s%n  %s%n",
                        limit, max, violations, held, o1, o2);
                assertThat(violations).isZero();
                assertThat(max).as("the limit was reached (the test exercised contention)").isEqualTo(limit);
                assertThat(heldAfterKill).isLessThanOrEqualTo(limit);
                long survivors = o1.lines().filter(l -> l.startsWith("held ")).mapToLong(l -> Long.parseLong(l.split(" ")[1])).sum()
                        + o2.lines().filter(l -> l.startsWith("held ")).mapToLong(l -> Long.parseLong(l.split(" ")[1])).sum();
                assertThat(survivors).isPositive();
                assertThat(c.sync().get("sluice:permits:{fleet-permits}:used")).as("every lease released or expired").isIn("0", null);
            } finally {
                client.shutdown();
            }
        }
    }

    private static void within(Executable body) {
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(LIMIT, body);
    }

    private static void go(RedisServer redis) {
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.sync().set("fleet:go", "1");
        } finally {
            client.shutdown();
        }
    }
}
