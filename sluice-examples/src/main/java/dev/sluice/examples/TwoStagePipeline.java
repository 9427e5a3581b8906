package dev.sluice.examples;

import dev.sluice.pipeline.Pipeline;
import dev.sluice.pipeline.PipelineFailedException;
import dev.sluice.pipeline.RunningPipeline;
import dev.sluice.pipeline.StageStats;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Read, then transform, with a bounded link between them, cancelled halfway: the Go guide's rule that a
 * cancelled pipeline leaves no goroutine behind, checked for threads. The reader produces records as
 * fast as it can; the transform takes a while per record, so the link fills and the reader waits
 * (backpressure); halfway through, the caller cancels. Every thread the pipeline started is made by a
 * counting factory, so the example can show that each one has ended. Run it with
 * {@code ./sluice example two-stage-pipeline}.
 */
public final class TwoStagePipeline {

    /** What the run saw. */
    record Result(long read, long transformed, long threadsStarted, long threadsAlive, boolean cancelled,
                  long readerBlockedMillis, int linkCapacity) {
    }

    /** Makes virtual threads and remembers them, so that none can outlive the pipeline unnoticed. */
    static final class CountingThreads implements ThreadFactory {
        private final ReentrantLock lock = new ReentrantLock();
        private final List<Thread> made = new ArrayList<>();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = Thread.ofVirtual().unstarted(r);
            lock.lock();
            try {
                made.add(t);
            } finally {
                lock.unlock();
            }
            return t;
        }

        long started() {
            lock.lock();
            try {
                return made.size();
            } finally {
                lock.unlock();
            }
        }

        long alive() {
            lock.lock();
            try {
                return made.stream().filter(Thread::isAlive).count();
            } finally {
                lock.unlock();
            }
        }
    }

    private TwoStagePipeline() {
    }

    static Result runOnce(int records, int capacity, Duration perRecord) throws InterruptedException {
        AtomicLong read = new AtomicLong();
        AtomicLong transformed = new AtomicLong();
        CountDownLatch halfway = new CountDownLatch(1);
        long workNanos = perRecord.toNanos();
        CountingThreads threads = new CountingThreads();
        RunningPipeline running = Pipeline.<String>generate("read", out -> {
                    for (int i = 0; i < records; i++) {
                        if (!out.emit("record-" + i)) {
                            return;
                        }
                        read.incrementAndGet();
                    }
                })
                .buffer(capacity)
                .map("transform", s -> {
                    LockSupport.parkNanos(workNanos); // the work being simulated
                    if (transformed.incrementAndGet() == records / 2) {
                        halfway.countDown();
                    }
                    return s.toUpperCase(Locale.ROOT);
                })
                .to("discard", s -> { })
                .threads(threads)
                .start();
        if (!halfway.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the pipeline never got halfway");
        }
        running.cancel();
        boolean cancelled = false;
        try {
            running.await();
        } catch (PipelineFailedException e) {
            cancelled = e.getCause() instanceof dev.sluice.CancelledException;
        }
        StageStats reader = running.stats().stage("read").orElseThrow();
        return new Result(read.get(), transformed.get(), threads.started(), threads.alive(), cancelled,
                TimeUnit.NANOSECONDS.toMillis(reader.blockedOnOutputNanos()), capacity);
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        Flags f = new Flags("two-stage-pipeline")
                .declare("records", 2_000, "records the reader would produce")
                .declare("capacity", 16, "the link between read and transform")
                .declare("work", "1ms", "time the transform takes per record");
        int records;
        int capacity;
        Duration work;
        try {
            f.parse(args);
            records = f.positiveInt("records");
            capacity = f.positiveInt("capacity");
            work = f.duration("work");
            if (records < 2) {
                throw new IllegalArgumentException("--records must be at least 2, was " + records);
            }
        } catch (IllegalArgumentException e) {
            err.println("two-stage-pipeline: " + e.getMessage());
            err.println(f.usage());
            return 2;
        }
        if (f.help()) {
            out.println(f.usage());
            return 0;
        }
        Result r = runOnce(records, capacity, work);
        if (f.machine()) {
            out.printf(Locale.ROOT, "records=%d%nread=%d%ntransformed=%d%nthreadsStarted=%d%nthreadsAlive=%d%ncancelled=%b%n"
                            + "readerBlockedMillis=%d%ncapacity=%d%n", records, r.read(), r.transformed(), r.threadsStarted(),
                    r.threadsAlive(), r.cancelled(), r.readerBlockedMillis(), r.linkCapacity());
            return 0;
        }
        out.printf(Locale.ROOT, "read -> [link of %d] -> transform (%d us per record) -> discard; cancelled halfway.%n%n",
                capacity, work.toNanos() / 1000);
        out.printf(Locale.ROOT, "  read %d of %d records, transformed %d: the reader stayed at most one link ahead%n",
                r.read(), records, r.transformed());
        out.printf(Locale.ROOT, "  the reader waited %d ms for room in the link (backpressure)%n", r.readerBlockedMillis());
        out.printf(Locale.ROOT, "  await() reported the cancellation: %b%n", r.cancelled());
        out.printf(Locale.ROOT, "  threads the pipeline started: %d; still alive after cancel: %d%n", r.threadsStarted(),
                r.threadsAlive());
        return 0;
    }
}
