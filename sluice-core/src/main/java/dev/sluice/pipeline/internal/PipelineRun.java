package dev.sluice.pipeline.internal;

import dev.sluice.CancellableContext;
import dev.sluice.CancelledException;
import dev.sluice.Context;
import dev.sluice.ContextDoneException;
import dev.sluice.pipeline.Bottleneck;
import dev.sluice.pipeline.LinkStats;
import dev.sluice.pipeline.PipelineFailedException;
import dev.sluice.pipeline.PipelineStats;
import dev.sluice.pipeline.RunningPipeline;
import dev.sluice.pipeline.ShutdownReport;
import dev.sluice.pipeline.StageStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A running pipeline: its context, its threads, and the first failure.
 *
 * <p>Stopping: {@link #ctx} is a child of the caller's context. The first stage failure is recorded
 * (compare-and-set, so only the first counts) before {@code ctx} is cancelled; the cancellation sets
 * {@link #stopping} and interrupts every stage thread, which unwinds from wherever it waits. A stage that
 * ends by such an unwinding records nothing, unless no failure was recorded: then the cancellation came
 * from outside and is recorded as such. {@link #sourceCtx}, a child of {@code ctx}, is cancelled alone by
 * drain so that only the sources stop.
 */
public final class PipelineRun implements RunningPipeline {

    record Failure(String stage, Throwable cause) { }

    final CancellableContext ctx;
    final CancellableContext sourceCtx;
    volatile boolean stopping;
    volatile boolean draining;

    private final ThreadFactory factory;
    private final List<Thread> threads = new ArrayList<>();
    final List<StageRuntime> stages = new ArrayList<>();
    final List<Link> links = new ArrayList<>();
    private final AtomicReference<Failure> failure = new AtomicReference<>();
    private final ReentrantLock lock = new ReentrantLock();
    private Context.Registration onDone = Context.Registration.NONE;
    private ShutdownReport finalReport;
    private PipelineStats lastSnapshot;
    private volatile boolean aborted;

    PipelineRun(Context parent, ThreadFactory factory) {
        this.ctx = parent.withCancel();
        this.sourceCtx = ctx.withCancel();
        this.factory = factory != null ? factory : Thread.ofVirtual().factory();
    }

    void newThread(StageRuntime st, String role, Runnable body) {
        Thread t = factory.newThread(body);
        if (t == null) {
            throw new IllegalStateException("the pipeline's ThreadFactory returned null");
        }
        t.setName("sluice-pipeline:" + st.name + ":" + role);
        threads.add(t);
    }

    /** Starts every thread created by the stages; if one fails to start, stops those that did. */
    void startAll() {
        int started = 0;
        try {
            for (Thread t : threads) {
                t.start();
                started++;
            }
        } catch (RuntimeException | Error e) {
            failure.compareAndSet(null, new Failure(null, e));
            stopping = true;
            ctx.cancel(e);
            for (int i = 0; i < started; i++) {
                threads.get(i).interrupt();
            }
            joinQuietly(threads.subList(0, started));
            throw e;
        }
        onDone = ctx.onDone(this::onStop);
        lastSnapshot = stats();
    }

    private void onStop() {
        stopping = true;
        Thread me = Thread.currentThread();
        for (Thread t : threads) {
            if (t != me) {
                t.interrupt();
            }
        }
    }

    ContextDoneException stoppedException() {
        return new CancelledException("pipeline stopped", ctx.cause());
    }

    /** A stage thread ended by throwing {@code t}. */
    void stageFailed(StageRuntime st, Throwable t) {
        // A failure is recorded before the context is cancelled, so a done context with no failure
        // recorded was cancelled from outside (or reached its deadline): whatever this stage threw while
        // unwinding from that is a consequence, not the cause.
        if (ctx.isDone()) {
            failure.compareAndSet(null, new Failure(null, ctx.cause()));
        } else if (failure.compareAndSet(null, new Failure(st.name, t))) {
            ctx.cancel(t);
        }
    }

    @Override
    public void await() throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
        finish(false);
    }

    @Override
    public boolean await(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        if (!joinWithin(timeout)) {
            return false;
        }
        finish(false);
        return true;
    }

    private boolean joinWithin(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + Math.max(0L, saturatedNanos(timeout));
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            if (left <= 0 ? t.isAlive() : !t.join(Duration.ofNanos(left))) {
                return false;
            }
        }
        return true;
    }

    private static void joinQuietly(List<Thread> ts) {
        boolean interrupted = false;
        for (Thread t : ts) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Every thread has ended: take the report once, then throw if the run failed. */
    private ShutdownReport finish(boolean quiet) {
        ShutdownReport r;
        lock.lock();
        try {
            if (finalReport == null) {
                onDone.close();
                Failure f = failure.get();
                finalReport = collectReport(f == null && !aborted);
            }
            r = finalReport;
        } finally {
            lock.unlock();
        }
        Failure f = failure.get();
        if (f != null && !quiet) {
            throw new PipelineFailedException(f.stage(), f.cause(), r);
        }
        return r;
    }

    private ShutdownReport collectReport(boolean complete) {
        Map<String, List<Object>> inLinks = new LinkedHashMap<>();
        for (Link l : links) {
            List<Object> left = l.takeLeftovers();
            if (!left.isEmpty()) {
                inLinks.put(l.name, List.copyOf(left));
            }
        }
        Map<String, List<Object>> held = new LinkedHashMap<>();
        for (StageRuntime st : stages) {
            List<Object> h = st.held();
            if (!h.isEmpty()) {
                held.put(st.name, h);
            }
        }
        return new ShutdownReport(complete, inLinks, held);
    }

    @Override
    public boolean isDone() {
        for (Thread t : threads) {
            if (t.isAlive()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void cancel() {
        stopFromOutside(new CancelledException("pipeline cancelled by RunningPipeline.cancel()"));
    }

    private void stopFromOutside(CancelledException why) {
        if (isDone()) {
            return;
        }
        failure.compareAndSet(null, new Failure(null, why));
        ctx.cancel(why);
    }

    @Override
    public ShutdownReport drain(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("drain timeout must not be negative, got " + timeout);
        }
        draining = true;
        sourceCtx.cancel();
        boolean ended;
        try {
            ended = joinWithin(timeout);
        } catch (InterruptedException e) {
            abortQuietly();
            throw e;
        }
        if (!ended) {
            return abort();
        }
        return finish(true);
    }

    private void abortQuietly() {
        aborted = true;
        stopFromOutside(new CancelledException("pipeline aborted"));
        joinQuietly(threads);
    }

    @Override
    public ShutdownReport abort() throws InterruptedException {
        aborted = true;
        stopFromOutside(new CancelledException("pipeline aborted by RunningPipeline.abort()"));
        for (Thread t : threads) {
            t.join();
        }
        return finish(true);
    }

    @Override
    public PipelineStats stats() {
        long now = System.nanoTime();
        List<StageStats> ss = new ArrayList<>(stages.size());
        for (StageRuntime st : stages) {
            long in = 0;
            long out = 0;
            long blockedIn = 0;
            for (Meter m : st.meters) {
                if (m.reader) {
                    in += m.in();
                    blockedIn += m.blockedIn();
                }
                out += m.out();
            }
            if (st.node.body.countsFromLink() && st.in != null) {
                in = st.in.channel.stats().received() - st.discarded.get();
            }
            long blockedOut = st.out == null ? 0 : st.out.channel.stats().blockedNanos();
            ss.add(new StageStats(st.name, st.node.body.kind(), st.meters.size(), in, out, st.discarded.get(),
                    blockedIn, blockedOut, st.in == null ? null : st.in.name, st.out == null ? null : st.out.name));
        }
        List<LinkStats> ls = new ArrayList<>(links.size());
        for (Link l : links) {
            ls.add(new LinkStats(l.name, l.writers, l.readers, l.channel.stats()));
        }
        return new PipelineStats(now, ss, ls);
    }

    @Override
    public Optional<Bottleneck> bottleneck() {
        lock.lock();
        try {
            PipelineStats now = stats();
            PipelineStats before = lastSnapshot;
            lastSnapshot = now;
            return now.bottleneckSince(before);
        } finally {
            lock.unlock();
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE / 2;
        }
    }

    @Override
    public String toString() {
        return "RunningPipeline[stages=" + stages.size() + ", threads=" + threads.size() + ", done=" + isDone() + "]";
    }
}
