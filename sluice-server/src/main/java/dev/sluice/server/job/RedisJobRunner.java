package dev.sluice.server.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.sluice.CancellableContext;
import dev.sluice.ClosedException;
import dev.sluice.Context;
import dev.sluice.ContextDoneException;
import dev.sluice.pool.DrainReport;
import dev.sluice.redis.Codec;
import dev.sluice.redis.Delivery;
import dev.sluice.redis.RedisUnavailableException;
import dev.sluice.redis.RedisWorkQueue;
import dev.sluice.redis.RedisWorker;
import dev.sluice.server.fleet.Fleet;
import io.lettuce.core.StreamMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The job runner of a server in a fleet ({@code ./sluice serve --redis URL}): the same contract as
 * {@link BoundedJobRunner}, with the queue in Redis, shared by every instance.
 *
 * <p><b>Accepting.</b> {@link #submit} enqueues the job on the fleet's {@link RedisWorkQueue}, whose bound
 * (the fleet's capacity: jobs waiting plus running on every instance) is checked by an atomic script in
 * Redis. It waits for room at most what is left of the wait budget (at least {@link #MIN_REDIS_BUDGET},
 * so that one round trip to Redis always has a chance), then refuses with 503; while Redis is
 * unreachable it refuses at once with 503 (fail closed; counted in {@link #redisUnavailable()}). A job
 * that was accepted is in Redis: it runs on some instance even if this one dies.
 *
 * <p><b>Running.</b> A {@link RedisWorker} with {@code workers} handler threads takes jobs with credit
 * equal to its free threads ({@code XREADGROUP COUNT n}): an instance holds no job it cannot start, so
 * the fleet's backlog is shared by whoever is free. After running a job the worker sends its outcome to
 * the reply stream of the instance that accepted it ({@link Fleet}), then acknowledges it. A worker that
 * dies holding jobs loses none: they are reclaimed by another instance after the visibility timeout and
 * run again (at-least-once; {@link RedisWorkQueue} lists exactly when a job runs twice).
 *
 * <p><b>Reporting.</b> The accepting instance keeps its jobs in its own bounded {@link JobTable}, as
 * without Redis, and learns of their end from its reply stream (one reader thread, {@code XREAD BLOCK}),
 * so {@code GET /jobs/{id}} and {@code POST /jobs?wait=true} work for every job it accepted, wherever the
 * job ran. A job shows {@code queued} until its end is reported (the accepting instance is not told when
 * another starts it). A second report of the same job (it ran twice) is counted and ignored. A job whose
 * report never comes (its reply was lost with a Redis crash without persistence, or trimmed) is marked
 * failed after {@link #horizon()}, so the table of unfinished jobs stays bounded; at most
 * {@code 2 x capacity} (at least 1,024) jobs of one instance may await a report at once, more are refused
 * with 503.
 *
 * <p><b>Drain</b> stops intake (503), lets the worker finish the jobs it holds within the grace period
 * (what is left is given back to the stream, for other instances, at once), then waits for the
 * remaining grace for the reports of jobs this instance accepted that run elsewhere. Jobs still in Redis
 * are not lost by stopping: they wait there for any instance.
 *
 * <p>Thread-safe. Memory consistency: a job's state and result, written by the reply reader, are
 * visible to readers of its {@link JobRecord} (volatile fields).
 */
public final class RedisJobRunner implements JobRunner {

    /** The least time a submit gives Redis, even when the wait budget is already spent. */
    public static final Duration MIN_REDIS_BUDGET = Duration.ofMillis(50);

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    /** A job as it travels through Redis: who accepted it, under which ticket, and its work. */
    record Message(String origin, long ticket, Work work) { }

    private final Fleet fleet;
    private final int workers;
    private final Duration wait;
    private final int repliesKept;
    private final RedisWorkQueue<Message> queue;
    private final RedisWorker<Message> worker;
    private final CancellableContext workContext = Context.background().withCancel();
    private final ConcurrentHashMap<Long, JobRecord> awaiting = new ConcurrentHashMap<>();
    private final int maxAwaiting;
    private final long horizonNanos;
    private final AtomicLong tickets = new AtomicLong();
    private final AtomicInteger running = new AtomicInteger();
    private final Thread replies;
    private volatile boolean draining;
    private volatile int givenBack;
    private volatile boolean stopReplies;
    private volatile Consumer<JobRecord> listener = j -> { };
    private final LongAdder accepted = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder unavailable = new LongAdder();
    private final LongAdder ranHere = new LongAdder();
    private final LongAdder redeliveredHere = new LongAdder();
    private final LongAdder duplicateReports = new LongAdder();
    private final LongAdder unreported = new LongAdder();
    private final LongAdder replyErrors = new LongAdder();

    /**
     * Joins the fleet's queue and starts this instance's worker and reply reader.
     *
     * @param repliesKept about how many reports each instance's reply stream keeps (the job table's bound is a good value)
     * @throws RedisUnavailableException if Redis cannot be reached
     */
    public RedisJobRunner(Fleet fleet, int workers, Duration wait, int repliesKept, JobParser parser) {
        this.fleet = Objects.requireNonNull(fleet, "fleet");
        this.workers = workers;
        this.wait = Objects.requireNonNull(wait, "wait");
        this.repliesKept = repliesKept;
        var c = fleet.config();
        this.maxAwaiting = Math.max(2 * c.capacity(), 1024);
        // A job may wait for the whole backlog, be reclaimed a few times and run up to a minute each time.
        this.horizonNanos = Duration.ofMinutes(10).plus(c.visibilityTimeout().multipliedBy(6)).toNanos();
        this.queue = RedisWorkQueue.builder(codec(parser)).backend(fleet.backend()).name(c.queue()).capacity(c.capacity())
                .visibilityTimeout(c.visibilityTimeout()).maxAttempts(5).maxPayloadBytes(2 << 20).build();
        this.replies = Thread.ofPlatform().name("sluice-fleet-replies").start(this::readReplies);
        this.worker = queue.worker(new RedisWorker.Options(fleet.instance(), workers, workers, false), this::run);
    }

    private static Codec<Message> codec(JobParser parser) {
        return Codec.of(RedisJobRunner::encode, bytes -> decode(parser, bytes));
    }

    static byte[] encode(Message m) {
        String body = switch (m.work()) {
            case Work.Cpu c -> "{\"cpuMillis\":" + c.millis() + "}";
            case Work.Io io -> "{\"ioMillis\":" + io.millis() + "}";
            case Work.Sha256 s -> "{\"sha256\":\"" + Base64.getEncoder().encodeToString(s.data()) + "\"}";
        };
        return (m.origin() + "\n" + m.ticket() + "\n" + body).getBytes(StandardCharsets.UTF_8);
    }

    /** Reads a message back; throws IllegalArgumentException on anything malformed (the job is then dead-lettered). */
    static Message decode(JobParser parser, byte[] bytes) {
        String s = new String(bytes, StandardCharsets.UTF_8);
        int a = s.indexOf('\n');
        int b = a < 0 ? -1 : s.indexOf('\n', a + 1);
        if (a <= 0 || b < 0) {
            throw new IllegalArgumentException("malformed fleet job: no origin and ticket lines");
        }
        long ticket;
        try {
            ticket = Long.parseLong(s.substring(a + 1, b));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed fleet job: the ticket is not a number");
        }
        try {
            return new Message(s.substring(0, a), ticket, parser.parse(s.substring(b + 1).getBytes(StandardCharsets.UTF_8)));
        } catch (BadJobException e) {
            throw new IllegalArgumentException("malformed fleet job: " + e.getMessage());
        }
    }

    @Override
    public void onFinish(Consumer<JobRecord> l) {
        this.listener = Objects.requireNonNull(l, "listener");
    }

    @Override
    public void submit(JobRecord job, long arrivalNanos) throws JobRejectedException, InterruptedException {
        if (draining) {
            throw new JobRejectedException(503, 1, "the server is draining: it accepts no new jobs");
        }
        if (awaiting.size() >= maxAwaiting) {
            throw new JobRejectedException(503, 1, "this instance has " + awaiting.size()
                    + " jobs whose end has not been reported yet: refusing more until reports arrive");
        }
        long left = wait.toNanos() - (System.nanoTime() - arrivalNanos);
        Context budget = Context.background().withTimeout(Duration.ofNanos(Math.max(left, MIN_REDIS_BUDGET.toNanos())));
        long ticket = tickets.incrementAndGet();
        job.fleetKey(fleet.instance() + ":" + ticket);
        awaiting.put(ticket, job); // before the enqueue: a fast job's report may arrive before submit returns
        boolean ok = false;
        try {
            queue.submit(budget, new Message(fleet.instance(), ticket, job.work()));
            ok = true;
            accepted.increment();
        } catch (ContextDoneException e) {
            throw new JobRejectedException(503, 1, "the fleet's job queue is full (" + queue.capacity()
                    + " jobs waiting or running across the fleet) and no room opened within " + wait.toMillis() + " ms");
        } catch (RedisUnavailableException e) {
            unavailable.increment();
            throw new JobRejectedException(503, 1, "the fleet's job queue is unavailable (Redis at " + fleet.backend().uri()
                    + " cannot be reached): refusing the job (fail closed)");
        } catch (ClosedException e) {
            throw new JobRejectedException(503, 1, "the server is draining: it accepts no new jobs");
        } finally {
            if (!ok) {
                awaiting.remove(ticket, job);
            }
        }
    }

    /** Runs one delivered job here and reports it to the instance that accepted it. */
    private void run(Delivery<Message> d) throws Exception {
        Message m = d.payload();
        running.incrementAndGet();
        long start = System.nanoTime();
        Map<String, String> reply = new LinkedHashMap<>();
        reply.put("t", Long.toString(m.ticket()));
        try {
            JobResult r = m.work().run(workContext);
            reply.put("s", "done");
            reply.put("r", JSON.writeValueAsString(r));
        } catch (InterruptedException | ContextDoneException e) {
            throw e; // aborted: the worker gives the job back
        } catch (RuntimeException e) {
            reply.put("s", "failed");
            reply.put("r", e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } finally {
            running.decrementAndGet();
        }
        reply.put("n", Long.toString(System.nanoTime() - start));
        reply.put("w", fleet.instance());
        reply.put("a", Integer.toString(d.attempt()));
        fleet.reply(m.origin(), reply, repliesKept); // throws if Redis is down: the job is given back and runs again
        ranHere.increment();
        if (d.attempt() > 1) {
            redeliveredHere.increment();
        }
    }

    private void readReplies() {
        long nextSweep = System.nanoTime();
        try (Fleet.ReplyReader reader = fleet.replyReader()) {
            while (!stopReplies) {
                try {
                    for (StreamMessage<String, String> m : reader.next(256, 200)) {
                        report(m.getBody());
                    }
                } catch (RuntimeException e) {
                    replyErrors.increment();
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
                }
                if (System.nanoTime() - nextSweep >= 0) {
                    sweep();
                    nextSweep = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                }
            }
        }
    }

    private void report(Map<String, String> f) {
        long ticket;
        try {
            ticket = Long.parseLong(f.getOrDefault("t", "-1"));
        } catch (NumberFormatException e) {
            replyErrors.increment();
            return;
        }
        JobRecord job = awaiting.remove(ticket);
        if (job == null) {
            duplicateReports.increment(); // it ran twice, or its submit was refused after Redis took it
            return;
        }
        long runNanos = parseLong(f.get("n"));
        if ("done".equals(f.get("s"))) {
            job.markFinishedElsewhere(result(f.get("r")), null, runNanos);
            completed.increment();
        } else {
            job.markFinishedElsewhere(null, String.valueOf(f.get("r")), runNanos);
            failed.increment();
        }
        listener.accept(job);
    }

    private static JobResult result(String json) {
        try {
            JsonNode n = JSON.readTree(json);
            return new JobResult(n.path("kind").asText(), n.path("elapsedMillis").asDouble(),
                    n.has("cpuMillis") ? n.get("cpuMillis").asDouble() : null,
                    n.has("sha256") ? n.get("sha256").asText() : null, n.has("bytes") ? n.get("bytes").asInt() : null, 0);
        } catch (java.io.IOException e) {
            return new JobResult("unknown", 0, null, null, null, 0);
        }
    }

    private static long parseLong(String s) {
        try {
            return s == null ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Map.Entry<Long, JobRecord> e : awaiting.entrySet()) {
            JobRecord job = e.getValue();
            if (now - job.submittedNanos() > horizonNanos && awaiting.remove(e.getKey(), job)) {
                job.markFailed(new IllegalStateException("no report of this job's end arrived within "
                        + TimeUnit.NANOSECONDS.toSeconds(horizonNanos) + " s (the report was lost; the job may have run)"));
                unreported.increment();
                failed.increment();
                listener.accept(job);
            }
        }
    }

    /** How long a job may await its report before it is marked failed. */
    public Duration horizon() {
        return Duration.ofNanos(horizonNanos);
    }

    /**
     * This instance's view: {@code running} is jobs its worker runs now (accepted by any instance);
     * {@code queued} is the jobs it accepted whose end is not reported yet, less those running here (an
     * estimate: some of them run elsewhere); accepted, completed and failed count the jobs it accepted;
     * queue capacity and limit are the fleet-wide bound.
     */
    @Override
    public RunnerStats stats() {
        int a = awaiting.size();
        return new RunnerStats(workers, queue.capacity(), Math.max(0, a - running.get()), running.get(), accepted.sum(),
                completed.sum(), failed.sum(), queue.capacity());
    }

    /** The fleet's view from this instance, for {@code GET /stats} and the drain report. */
    public Map<String, Object> fleetStats() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("instance", fleet.instance());
        m.put("queue", queue.name());
        m.put("capacity", queue.capacity());
        m.put("awaitingReports", awaiting.size());
        m.put("ranHere", ranHere.sum());
        m.put("redeliveredHere", redeliveredHere.sum());
        m.put("reclaimedHere", worker.reclaimed());
        m.put("heldHere", worker.held());
        m.put("runningHere", running.get());
        m.put("duplicateReports", duplicateReports.sum());
        m.put("unreported", unreported.sum());
        m.put("redisUnavailable", unavailable.sum());
        m.put("redisUnavailableTotal", fleet.backend().unavailableCount());
        return m;
    }

    /** Submits refused because Redis could not be reached. */
    public long redisUnavailable() {
        return unavailable.sum();
    }

    /** Jobs of this instance whose end has not been reported yet. */
    public int awaitingReports() {
        return awaiting.size();
    }

    /** This instance's worker, for tests and metrics. */
    public RedisWorker<?> worker() {
        return worker;
    }

    /**
     * Stops intake, drains the local worker (the jobs it holds finish, or are given back to the stream at
     * the end of the grace period), then waits for what is left of the grace for the reports of jobs this
     * instance accepted. The summary counts the jobs this instance accepted; {@code stillRunning} is those
     * not reported finished when the grace ended (still in Redis, given back, or running elsewhere: not
     * lost). How many jobs the worker gave back is in {@link #fleetLine()}.
     */
    @Override
    public DrainSummary drain(Duration grace) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + grace.toNanos();
        draining = true;
        queue.close();
        DrainReport r = worker.drain(grace);
        workContext.cancel(); // a CPU job still running was given back: stop it rather than let it run on
        while (!awaiting.isEmpty() && System.nanoTime() - end < 0) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        stopReplies();
        long left = awaiting.size();
        givenBack = r.notStarted();
        return new DrainSummary(accepted.sum(), completed.sum(), failed.sum(), left,
                r.terminated() && !replies.isAlive(), (System.nanoTime() - start) / 1_000_000);
    }

    /** The line printed after the drain report: what this instance did for the fleet. */
    public String fleetLine() {
        return "sluice-server fleet: instance=" + fleet.instance() + " ran-here=" + ranHere.sum() + " redelivered-here="
                + redeliveredHere.sum() + " given-back=" + givenBack + " awaiting-reports=" + awaiting.size()
                + " redis-unavailable=" + unavailable.sum();
    }

    private void stopReplies() throws InterruptedException {
        stopReplies = true;
        replies.join(TimeUnit.SECONDS.toMillis(3));
    }

    @Override
    public void abort() throws InterruptedException {
        draining = true;
        queue.close();
        workContext.cancel();
        worker.abort();
        worker.awaitTermination(Duration.ofSeconds(5));
        stopReplies();
    }
}
