package dev.sluice.pool.internal;

import dev.sluice.CancellableContext;
import dev.sluice.CancelledException;
import dev.sluice.Context;
import dev.sluice.ContextDoneException;
import dev.sluice.channel.Channel;
import dev.sluice.channel.ChannelClosedException;
import dev.sluice.channel.internal.ChannelImpl;
import dev.sluice.BusyException;
import dev.sluice.ClosedException;
import dev.sluice.pool.DrainReport;
import dev.sluice.pool.Job;
import dev.sluice.pool.PoolStats;
import dev.sluice.pool.WorkerPool;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/** The worker pool engine: a sluice channel of tasks and a fixed array of worker threads. */
public final class WorkerPoolImpl implements WorkerPool {
    /*
     * Implementation overview
     *
     * Intake is the channel: a submit is a send, a worker's take is a receive, and shutdown is a close.
     * The channel already guarantees what the pool promises about submits: an item is either accepted
     * (buffered or handed to a parked worker) or the send throws, and a sender waiting at close is woken
     * with ChannelClosedException and its item was not delivered. The volatile `shutdown` flag, checked
     * first by every submit, makes "isShutdown() was true, then submit was accepted" impossible.
     *
     * drain: close the channel. Workers keep receiving until the channel is closed and drained, so every
     * accepted job runs; then they end and count down `terminated`.
     *
     * Batches. A worker takes up to batchSize jobs per acquisition of the queue's lock
     * (ChannelImpl.tryReceiveInto) into its own array and runs them in order. Its state word packs
     * (seq, phase, next, end): batch[next..end) are taken and not yet started. The jobs a worker holds are
     * still queued for every purpose: the channel counts them against its capacity (BatchHolder: a sender
     * that finds no room asks recountHeld() for the exact figure), stats().queueDepth() counts them, abort
     * hands them back and drain runs them. The count of held jobs rises only under the channel's lock (a
     * take publishes its batch in the lock, a steal runs in it), so a sender never sees a job in between.
     * When a held job starts (the claim CAS below, a full fence), the worker reads sendersParked and, if
     * set, moves a parked submitter's job into the slot; a sender sets sendersParked before its final
     * count of held jobs, so one of the two sees the other.
     *
     * Phases, and who may change a word:
     *
     *   TAKING   -- take/steal, publish (volatile, under the channel lock) --> STARTING(next = 1)
     *   STARTING -- read `aborted`: false --> RUNNING; true --> the claimed job and the rest of the batch
     *               go to `leftovers`, TAKING (the next take finds the channel closed)
     *   RUNNING  -- job returns, CAS claims batch[next] --> STARTING; batch empty, CAS --> TAKING
     *   RUNNING  -- a thief's CAS: end moves down, the thief takes batch[mid..end)
     *   RUNNING  -- abort's CAS --> SEALED: abort takes batch[next..end); the worker ends after its job
     *
     * Only the owner writes a TAKING or STARTING word; others CAS only RUNNING words, and a failed CAS
     * makes the owner look again. A thief or abort copies the slots before its CAS: they are valid if the
     * CAS succeeds, because the owner rewrites its slots only for a new batch, which has a new seq.
     *
     * abort writes `aborted`, closes the channel, empties it with tryReceive, then settles every worker:
     * RUNNING ones are sealed (their unstarted jobs are handed back), TAKING and STARTING ones are waited
     * for, EXITED and SEALED are final. The write-then-read pairs (worker: publish or claim, then read
     * aborted; abort: aborted=true, then read the word) are sequentially consistent: a worker that saw
     * `aborted` false is seen by abort as STARTING or later, so abort waits for it and then seals it; a
     * worker that saw it true hands its jobs back itself. Nobody steals after abort began from a sealed
     * or exited worker, so a settled worker stays settled. The wait is short: it covers only the few
     * instructions between a take and the check, or a worker's exit.
     *
     * Jobs submitted without a context share the pool's CancellableContext (no allocation per job);
     * abort cancels it. A job submitted with a context gets its own child, published in its worker
     * before the STARTING write, which abort cancels one by one.
     *
     * Idle workers (queue capacity of at least 1) do not wait inside the channel. With workers faster than
     * their submitters the buffer is empty most of the time, and a worker parked in the channel's receive
     * costs every submit a direct hand-off and an unpark (microseconds on platform threads). Instead, as in
     * Go's scheduler, idle workers wait in the pool:
     *
     *   - a worker takes with tryReceive; finding nothing, it may become the one *spinner* (platform
     *     threads on a machine of more than one core), which polls the channel's readyHint for a bounded
     *     number of spins and then takes again;
     *   - otherwise it pushes itself on the idle stack (LIFO: the most recently idle worker is woken
     *     first, its caches still warm, and the others stay asleep), takes once more, and parks;
     *   - a submit that put a job in the buffer wakes one idle worker only if nobody spins
     *     (signalWork); a worker that took a job while more wait, or took a batch of more than one, does
     *     the same; an idle worker steals the later half of a busy worker's unstarted batch before it
     *     parks, so queued jobs do not wait for a busy worker while another sleeps.
     *
     * No lost wake-up: a worker publishes itself (idle stack, then the volatile idleCount) before its last
     * tryReceive, and a submitter reads idleCount and searching after its send's unlock. Both are
     * synchronization actions, so either the submitter sees the idle worker (and, with no searcher, wakes
     * it) or the worker's tryReceive comes after the send in lock order and finds the job. The spinner is
     * a searcher (below), so a submitter that sees it spinning does not wake anyone. drain and abort
     * wake every idle worker after closing the channel; a worker publishing itself after that finds the
     * channel closed on its next take. A queue of capacity 0 cannot buffer a job for an idle worker, so
     * there workers wait in the channel's receive as before. Jobs held in a batch: the owner of a new
     * batch of more than one stores RUNNING (volatile) and then reads idleCount; a worker about to park
     * pushes itself and then tries to steal (reading the owner's word): one of them sees the other.
     *
     * Searching workers. With workers faster than their submitter, the worker that has just finished its
     * batch comes back for the next job within nanoseconds, and waking the other worker for every job
     * costs the submitter an unpark and both workers a park (on a 2-core machine also a core). So a
     * worker counts itself in `searching` from the moment it finishes a batch until its next take succeeds
     * (the decrement is inside the take, under the queue's lock) or it has pushed itself idle (the
     * decrement follows the idleCount write), and wakes look for `idleCount > 0 && searching == 0`. A
     * submitter that saw a searcher skips the wake: that searcher's decrement comes after the read in
     * synchronization order, and its take (or, after pushing itself idle, its last take) comes after the
     * decrement, so it takes after the send and finds the job. If its take leaves jobs in the buffer
     * (the count after its own dequeue, read under the lock), it does the wake itself, on the same rule.
     * A job that blocks never holds up the others this way: a worker running a job is not searching.
     * The same holds for the unstarted jobs of a new batch: its owner stores RUNNING and then reads
     * idleCount and searching; a searcher whose take then succeeds looks at the other workers' words
     * (anyStealable) after leaving `searching`, and wakes an idle worker if one holds unstarted jobs.
     *
     * Gathering. When the workers outpace their submitters, a worker that comes back for work finds one or
     * two jobs, and a take per job or two costs both sides an acquisition of the queue's lock that moves
     * the lock, the count and the slots between cores: measured with one submitter, 2 workers and a
     * queue of 256, batches averaged 2.3 jobs and submitters paid most of the cost. So a platform worker
     * (on a multicore machine, with batches of more than one) that finds fewer than a batch waits, spinning,
     * while jobs keep arriving: until the batch is full, no job has arrived for GATHER_QUIET_NANOS, or
     * GATHER_NANOS have passed. It reads the count only every GATHER_STRIDE spins, so that its reads do not
     * take the line from the submitter at every job. It gathers only after a batch that ran for less than
     * GATHER_NANOS: with longer jobs the wait would be a visible share of the work, and taking per job costs
     * little beside them. The gatherer is searching, so submitters do not wake another worker meanwhile;
     * a job waits at most GATHER_NANOS longer this way.
     *
     * Shedding keeps an exact count of queued-or-reserving jobs (`depth`): a submit reserves a slot with
     * a CAS that fails while `high` are taken, so admission alone never lets more than `high` wait.
     */

    private static final int TAKING = 0;
    private static final int STARTING = 1;
    private static final int RUNNING = 2;
    /** Running its last job: abort took the rest of its batch; it ends when the job returns. */
    private static final int SEALED = 3;
    private static final int EXITED = 4;

    /** The most jobs a worker takes from the queue per lock acquisition. */
    private static final int MAX_BATCH = 32;

    /** How long abort parks between checks of the workers' phases, if no worker unparks it first. */
    private static final long ABORT_POLL_NANOS = 100_000L;

    /** Polls of the channel's readyHint a spinning worker makes before it parks (a few microseconds). */
    private static final int SPINS = Integer.getInteger("sluice.pool.spins", 256);
    /** Spinning only helps when the submitter can run on another core at the same time. */
    private static final boolean MULTICORE = Runtime.getRuntime().availableProcessors() > 1;
    /**
     * Failed tryLock attempts on the queue's lock before a thread queues on it. Its sections are short, but
     * a thread that queues parks, and on a small, busy machine a park and its unpark cost tens of
     * microseconds: a profile of one producer and 2 workers on 2 cores showed the producer parked on this
     * lock about once per 150 jobs without the spin (and ThreadPoolExecutor's producer almost never).
     */
    private static final int LOCK_SPINS = Integer.getInteger("sluice.pool.lockSpins", 64);

    /**
     * Gathering (see the overview): the longest a worker waits for a batch to fill, the longest it waits
     * for the next job to arrive, and the spins between two looks at the buffer's count. Its batch is
     * taken as soon as it is full or either time runs out.
     */
    private static final long GATHER_NANOS = Long.getLong("sluice.pool.gatherNanos", 4_000L);
    private static final long GATHER_QUIET_NANOS = 500L;
    private static final int GATHER_STRIDE = 8;

    private static final ThreadLocal<Worker> CURRENT = new ThreadLocal<>();
    private static final VarHandle STATE;
    private static final VarHandle DONE_COUNT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(Worker.class, "state", long.class);
            DONE_COUNT = l.findVarHandle(Worker.class, "completedCount", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final int queueCapacity;
    /** Tasks, and bare Jobs from trySubmit(Job) (no handle, so no Task is needed). */
    private final Channel<Object> queue;
    /** The queue's engine, for batches and its readyHint; null for capacity 0 (workers wait in the channel). */
    private final ChannelImpl<Object> idleAware;
    /** Jobs a worker takes per take: at most half the queue shared among the workers, so batches stay small. */
    private final int batchSize;
    private final boolean spinAllowed;
    /** Platform workers on a multicore machine with batches of more than one: see "Gathering". */
    private final boolean gatherAllowed;
    /** spinning, searching and idleCount, on a cache line of their own. */
    private final IdleSignals signals = new IdleSignals();
    /** Parked idle workers, newest on top. Guarded by idleLock; signals.idleCount mirrors its size for lock-free reads. */
    private final Worker[] idleStack;
    private int idleTop;
    private final ReentrantLock idleLock = new ReentrantLock();
    private final Worker[] workers;
    private final CountDownLatch terminated;
    private final CancellableContext poolContext = Context.background().withCancel();
    private final Consumer<? super Throwable> onFailure;

    private volatile boolean shutdown;
    private volatile boolean aborted;
    private volatile Thread aborter;
    private final ReentrantLock abortLock = new ReentrantLock();
    private final ReentrantLock leftoverLock = new ReentrantLock();
    /**
     * Jobs workers handed back after abort began (a claimed job and the rest of its batch): accepted jobs,
     * so bounded by the queue capacity plus one per worker.
     */
    private final List<Object> leftovers = new ArrayList<>();

    private final boolean sheds;
    private final int high;
    private final int low;
    private final AtomicInteger depth = new AtomicInteger();
    private final AtomicBoolean shedding = new AtomicBoolean();

    /** Submits that threw (closed, context done, interrupted); submitted = accepted + rejected + refused. */
    private final LongAdder refused = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder abandoned = new LongAdder();
    private final LongAdder blockedNanos = new LongAdder();

    public WorkerPoolImpl(String name, int workerCount, int queueCapacity, boolean virtualThreads, int shedAbove,
            int resumeBelow, Consumer<? super Throwable> onFailure) {
        this.name = name;
        this.queueCapacity = queueCapacity;
        if (queueCapacity > 0) {
            // Senders park at once when the queue is full: spinning would take a core from the workers
            // that are about to make room (this pool's workers are the only receivers).
            this.idleAware = new ChannelImpl<>(queueCapacity, name + "-queue", this::recountHeld, 0, LOCK_SPINS);
            this.queue = idleAware;
        } else {
            this.queue = Channel.<Object>builder().capacity(0).name(name + "-queue").build();
            this.idleAware = null;
        }
        this.batchSize = idleAware == null ? 1 : Math.max(1, Math.min(MAX_BATCH, queueCapacity / (2 * workerCount)));
        this.spinAllowed = MULTICORE && !virtualThreads;
        this.gatherAllowed = spinAllowed && batchSize > 1 && GATHER_NANOS > 0;
        this.idleStack = new Worker[workerCount];
        this.onFailure = onFailure;
        this.sheds = shedAbove > 0;
        this.high = shedAbove;
        this.low = resumeBelow;
        this.terminated = new CountDownLatch(workerCount);
        this.workers = new Worker[workerCount];
        Thread.Builder threads = virtualThreads ? Thread.ofVirtual().name(name + "-worker-", 0)
                : Thread.ofPlatform().name(name + "-worker-", 0).daemon(false);
        for (int i = 0; i < workerCount; i++) {
            workers[i] = new Worker();
            workers[i].thread = threads.unstarted(workers[i]);
        }
        for (Worker w : workers) {
            w.thread.start();
        }
    }

    public static Context currentContext() {
        Worker w = CURRENT.get();
        Context c = w == null ? null : w.jobContext;
        return c == null ? Context.background() : c;
    }

    // ------------------------------------------------------------------ submitting

    @Override
    public CompletableFuture<Void> submit(Job job) throws InterruptedException {
        return put(new Task<>(Objects.requireNonNull(job, "job"), null, true), null);
    }

    @Override
    public <T> CompletableFuture<T> submit(Callable<T> job) throws InterruptedException {
        return put(new Task<>(Objects.requireNonNull(job, "job"), null, true), null);
    }

    @Override
    public CompletableFuture<Void> submit(Context context, Job job) throws InterruptedException {
        Objects.requireNonNull(context, "context");
        return put(new Task<>(Objects.requireNonNull(job, "job"), context, true), context);
    }

    @Override
    public <T> CompletableFuture<T> submit(Context context, Callable<T> job) throws InterruptedException {
        Objects.requireNonNull(context, "context");
        return put(new Task<>(Objects.requireNonNull(job, "job"), context, true), context);
    }

    @Override
    public boolean trySubmit(Job job) {
        return offer(Objects.requireNonNull(job, "job"));
    }

    @Override
    public <T> Optional<CompletableFuture<T>> trySubmit(Callable<T> job) {
        Task<T> t = new Task<>(Objects.requireNonNull(job, "job"), null, true);
        return offer(t) ? Optional.of(t) : Optional.empty();
    }

    private <T> Task<T> put(Task<T> t, Context ctx) throws InterruptedException {
        if (shutdown) {
            refused.increment();
            throw closed();
        }
        if (ctx != null && ctx.isDone()) {
            refused.increment();
            ctx.throwIfDone(); // a context never becomes un-done, so this throws
        }
        if (sheds && !reserve()) {
            rejected.increment();
            throw new BusyException("pool '" + name + "' is shedding load (" + depth.get() + " jobs waiting, sheds at "
                    + high + ", resumes below " + low + ")");
        }
        boolean ok = false;
        try {
            if (!queue.trySend(t)) {
                long start = System.nanoTime();
                try {
                    if (ctx == null) {
                        queue.send(t);
                    } else {
                        queue.send(t, ctx);
                    }
                } finally {
                    blockedNanos.add(System.nanoTime() - start);
                }
            }
            ok = true;
        } catch (ChannelClosedException e) {
            throw closed();
        } finally {
            if (!ok) {
                refused.increment();
                if (sheds) {
                    depth.decrementAndGet();
                }
            }
        }
        signalWork();
        return t;
    }

    private boolean offer(Object t) {
        if (shutdown) {
            refused.increment();
            throw closed();
        }
        if (sheds && !reserve()) {
            rejected.increment();
            return false;
        }
        boolean ok = false;
        try {
            ok = queue.trySend(t);
        } catch (ChannelClosedException e) {
            refused.increment();
            throw closed();
        } finally {
            if (!ok && sheds) {
                depth.decrementAndGet();
            }
        }
        if (ok) {
            signalWork();
        } else {
            rejected.increment();
        }
        return ok;
    }

    /** Admission with hysteresis: reserves a slot in {@link #depth}, or returns false to shed. */
    private boolean reserve() {
        for (;;) {
            int d = depth.get();
            boolean shedNow = shedding.get();
            if (shedNow ? d >= low : d >= high) {
                if (!shedNow) {
                    shedding.set(true);
                }
                return false;
            }
            if (depth.compareAndSet(d, d + 1)) {
                if (shedNow) {
                    // Fewer than `low` wait: resume. Racing submitters may both do this; same result.
                    shedding.set(false);
                }
                return true;
            }
        }
    }

    private ClosedException closed() {
        return new ClosedException("pool '" + name + "' is shut down" + (aborted ? " (aborted)" : " (draining)"));
    }

    // ------------------------------------------------------------------ running

    /** The state word of a worker: batch sequence, phase, next unstarted index and end of its batch. */
    private static long word(long seq, int phase, int next, int end) {
        return (seq << 32) | ((long) phase << 16) | ((long) next << 8) | end;
    }

    private static long seqOf(long w) {
        return w >>> 32;
    }

    private static int phaseOf(long w) {
        return (int) (w >>> 16) & 0xF;
    }

    private static int nextOf(long w) {
        return (int) (w >>> 8) & 0xFF;
    }

    private static int endOf(long w) {
        return (int) w & 0xFF;
    }

    /**
     * Keeps a worker's fields (its state word and counters, written at every job) off the cache line of
     * whatever the heap put before it, often the previous worker or its batch array.
     */
    abstract static class WorkerPadBefore {
        int pGap;
        long p0, p1, p2, p3, p4, p5, p6, p7;
    }

    private final class Worker extends WorkerPadBefore implements Runnable, ChannelImpl.BatchSink {
        Thread thread;
        /** Jobs taken from the queue and not yet started: [next, end) of the state word are live. */
        final Object[] batch = new Object[batchSize];
        /** seq | phase | next | end, see word(); written by this worker, and CASed by thieves and abort. */
        volatile long state = word(0, TAKING, 0, 0);
        /** This worker's batch sequence number (its own copy of the seq field). */
        long seq;
        /** The running job's context, for currentContext(); read and written by this worker's thread only. */
        Context jobContext;
        /** The running job's own cancellable context (jobs submitted with a context), for abort. */
        volatile CancellableContext own;
        /** Jobs this worker ran to normal completion; written by this worker only (see DONE_COUNT). */
        long completedCount;
        /** True while parked on the idle stack; cleared by the waker before it unparks. */
        volatile boolean parked;
        /**
         * This worker's part of the queue's bound on held jobs (ChannelImpl.heldBound): at least the
         * unstarted jobs of its batch. Read and written only under the queue's lock: by a take
         * (taken()), a steal (stealLocked) and a recount (recountHeld).
         */
        int heldBound;
        /** Counted in {@code searching}; read and written by this worker's thread only. */
        boolean searchingCounted;
        /** The queue still held jobs after this worker's last take; this worker's thread only. */
        boolean moreWaiting;
        /** How long this worker's last batch ran, if gathering is allowed; this worker's thread only. */
        long lastBatchNanos;

        WorkerPoolImpl pool() {
            return WorkerPoolImpl.this;
        }

        int phase() {
            return phaseOf(state);
        }

        /**
         * Publishes batch[0..n), just taken (under the channel's lock): batch[0] is claimed at once, the
         * rest count as queued. Volatile: ordered before the read of `aborted` in runBatch (Dekker with
         * abort), and before any sender's count of held jobs.
         */
        @Override
        public int taken(int n, int stillBuffered) {
            STATE.setVolatile(this, word(++seq, STARTING, 1, n));
            leaveSearching(this); // under the queue's lock: see "Searching workers"
            moreWaiting = stillBuffered > 0;
            int gaveUp = heldBound; // it held nothing before this take (it was TAKING)
            heldBound = n - 1;
            return gaveUp;
        }

        @Override
        public void run() {
            CURRENT.set(this);
            try {
                for (;;) {
                    Thread.interrupted(); // an interrupt aimed at the previous job must not end this wait
                    int n;
                    try {
                        n = fill(this);
                    } catch (ChannelClosedException closedAndDrained) {
                        return;
                    } catch (InterruptedException strayInterrupt) {
                        continue;
                    }
                    boolean more;
                    if (gatherAllowed) {
                        long start = System.nanoTime();
                        more = runBatch(n);
                        lastBatchNanos = System.nanoTime() - start;
                    } else {
                        more = runBatch(n);
                    }
                    if (!more) {
                        return; // sealed by abort: it took the rest of the batch
                    }
                }
            } finally {
                leaveSearching(this);
                STATE.setVolatile(this, word(seq, EXITED, 0, 0));
                jobContext = null;
                CURRENT.remove();
                terminated.countDown();
                LockSupport.unpark(aborter);
            }
        }

        /**
         * Runs batch[0..n) (just filled, unpublished) until it is empty or taken by thieves; returns false
         * if abort sealed this worker, true when it should take again.
         */
        private boolean runBatch(int n) {
            long s = seq; // taken() published word(s, STARTING, 1, n)
            Object item = batch[0];
            batch[0] = null;
            int next = 1;
            int end = n;
            for (boolean first = true;; first = false) {
                if (sheds) {
                    depth.decrementAndGet();
                }
                if (aborted) {
                    handBack(item, next, end); // a STARTING word is touched by nobody else
                    STATE.setRelease(this, word(s, TAKING, end, end));
                    LockSupport.unpark(aborter);
                    return true;
                }
                Task<?> t = item instanceof Task<?> task ? task : null;
                CancellableContext mine = null;
                if (t != null && t.context != null) {
                    mine = t.context.withCancel();
                    own = mine; // published by the store of RUNNING below
                }
                if (first && end > next) {
                    // Volatile, then read idleCount and searching: pairs with a parking worker's push-then-steal
                    // and with a searcher's take-then-look (see overview).
                    STATE.setVolatile(this, word(s, RUNNING, next, end));
                    signalWork();
                } else {
                    STATE.setRelease(this, word(s, RUNNING, next, end));
                }
                try {
                    if (t != null) {
                        runTask(t, mine);
                    } else {
                        runBare((Job) item);
                    }
                } finally {
                    jobContext = null;
                    if (mine != null) {
                        own = null;
                    }
                }
                // Claim the next job of the batch, unless thieves took the rest or abort sealed us.
                for (;;) {
                    long cur = state;
                    if (phaseOf(cur) == SEALED) {
                        return false;
                    }
                    next = nextOf(cur);
                    end = endOf(cur);
                    if (next == end) {
                        if (STATE.compareAndSet(this, cur, word(s, TAKING, end, end))) {
                            Arrays.fill(batch, 0, n, null); // nobody reads the slots of a TAKING worker
                            return true;
                        }
                        continue;
                    }
                    Object claimed = batch[next];
                    if (STATE.compareAndSet(this, cur, word(s, STARTING, next + 1, end))) {
                        batch[next++] = null;
                        item = claimed;
                        break;
                    }
                }
                if (idleAware != null && idleAware.sendersParked()) {
                    idleAware.refillParked(); // a held slot came free and a submitter waits for room
                }
            }
        }

        /** After abort began: the claimed item and the unstarted rest of the batch go to the leftovers. */
        private void handBack(Object item, int from, int end) {
            leftoverLock.lock();
            try {
                leftovers.add(item);
                for (int i = from; i < end; i++) {
                    leftovers.add(batch[i]);
                    batch[i] = null;
                }
            } finally {
                leftoverLock.unlock();
            }
            if (sheds) {
                depth.addAndGet(from - end); // the rest were never claimed, so never counted out
            }
        }

        private <T> void runTask(Task<T> t, CancellableContext mine) {
            if (t.isDone()) {
                cancelled.increment(); // its handle was cancelled (or completed) by the caller first
                return;
            }
            if (t.context != null) {
                try {
                    t.context.throwIfDone();
                } catch (ContextDoneException stale) {
                    cancelled.increment(); // its context ended while it waited: not worth starting
                    t.completeExceptionally(stale);
                    return;
                }
            }
            jobContext = mine != null ? mine : poolContext;
            T value;
            try {
                value = t.call();
            } catch (Throwable e) {
                jobContext = null;
                failed.increment(); // counted before the handle completes, so a joiner sees the count
                t.completeExceptionally(e);
                report(t.hasHandle, e);
                return;
            }
            jobContext = null;
            // One writer per counter: no atomic per job. Released before the handle completes, so a
            // joiner that then reads the stats sees the count.
            DONE_COUNT.setRelease(this, completedCount + 1);
            t.complete(value);
        }

        /** A job accepted by trySubmit(Job): no handle, so nothing to complete and nothing to cancel. */
        private void runBare(Job job) {
            jobContext = poolContext;
            try {
                job.run();
            } catch (Throwable e) {
                jobContext = null;
                failed.increment();
                report(false, e);
                return;
            }
            jobContext = null;
            DONE_COUNT.setRelease(this, completedCount + 1);
        }

        private void report(boolean hasHandle, Throwable e) {
            try {
                if (onFailure != null) {
                    onFailure.accept(e);
                } else if (!hasHandle) {
                    Thread me = Thread.currentThread();
                    me.getUncaughtExceptionHandler().uncaughtException(me, e);
                }
            } catch (Throwable ignored) {
                // A failing handler must not end the worker.
            }
        }
    }

    // ------------------------------------------------------------------ idle workers

    /**
     * Fills {@code w.batch} with at least one job: from the queue, else by stealing from a busy worker,
     * else after waiting. Throws ChannelClosedException once the queue is closed and drained and there is
     * nothing to steal.
     */
    private int fill(Worker w) throws InterruptedException {
        if (idleAware == null) {
            w.batch[0] = queue.receive();
            w.taken(1, 0);
            return 1;
        }
        enterSearching(w);
        int n;
        try {
            // The buffer looked empty: go straight to the idle path, whose last take before parking
            // is under the lock (this skips only a take that would have found nothing).
            if (idleAware.readyHint()) {
                gather(w);
                n = receiveBatch(w);
            } else {
                n = 0;
            }
        } catch (ChannelClosedException closed) {
            n = steal(w);
            if (n == 0) {
                throw closed;
            }
            return n;
        }
        if (n == 0) {
            n = idleTake(w);
        }
        // More jobs wait, in the buffer or held by a busy worker: do not leave them to this worker and
        // the busy one alone. This worker left `searching` in its take, before these reads: a batch owner
        // or submitter that skipped its wake because this worker was searching is seen here.
        if (w.moreWaiting || anyStealable(w)) {
            signalWork();
        }
        return n;
    }

    private int idleTake(Worker w) {
        for (;;) {
            if (spinAllowed && signals.spinning == 0 && IdleSignals.SPINNING.compareAndSet(signals, 0, 1)) {
                try {
                    for (int i = 0; i < SPINS && !idleAware.readyHint(); i++) {
                        Thread.onSpinWait();
                    }
                    gather(w);
                } finally {
                    signals.spinning = 0; // another worker may spin now; this one stays a searcher until its take or push
                }
                int n = takeOrSteal(w, false);
                if (n > 0) {
                    return n;
                }
            }
            pushIdle(w);
            int n;
            try {
                n = takeOrSteal(w, true);
            } catch (ChannelClosedException closedAndDrained) {
                removeIdle(w);
                throw closedAndDrained;
            }
            if (n > 0) {
                removeIdle(w);
                return n;
            }
            while (w.parked) {
                Thread.interrupted(); // a stray interrupt aimed at the previous job must not make this spin
                LockSupport.park(this);
            }
            enterSearching(w); // woken: off the idle stack, and about to take again
        }
    }

    /**
     * A take, else a steal. Only the take after this worker published itself as idle ({@code last}) must
     * take the queue's lock whatever the buffer looks like: it is the half of the no-lost-wake-up pairing
     * (see the overview) that must see a job sent before the submitter read idleCount. An earlier take
     * may trust readyHint's lock-free look, because a false "empty" only delays the job to that last take.
     */
    private int takeOrSteal(Worker w, boolean last) {
        int n;
        try {
            n = last || idleAware.readyHint() ? receiveBatch(w) : 0;
        } catch (ChannelClosedException closed) {
            n = steal(w);
            if (n == 0) {
                throw closed;
            }
            return n;
        }
        return n > 0 ? n : steal(w);
    }

    /**
     * Lets the buffer fill up to a whole batch before this worker takes from it, while jobs keep coming
     * and for at most GATHER_NANOS; only after a batch that ran for less than that (see "Gathering").
     * The worker is searching meanwhile, so submitters do not wake another worker for these jobs.
     */
    private void gather(Worker w) {
        if (!gatherAllowed || w.lastBatchNanos >= GATHER_NANOS) {
            return;
        }
        int seen = idleAware.bufferedHint();
        if (seen == 0 || seen >= batchSize) {
            return;
        }
        long start = System.nanoTime();
        long lastArrival = start;
        for (;;) {
            for (int i = 0; i < GATHER_STRIDE; i++) {
                Thread.onSpinWait();
            }
            int now = idleAware.bufferedHint();
            if (now >= batchSize || now == 0 || shutdown) {
                return; // full, or another worker took them, or the pool is closing: take now
            }
            long t = System.nanoTime();
            if (now > seen) {
                lastArrival = t;
            }
            seen = now;
            if (t - lastArrival >= GATHER_QUIET_NANOS || t - start >= GATHER_NANOS) {
                return;
            }
        }
    }

    private int receiveBatch(Worker w) {
        return idleAware.tryReceiveInto(w.batch, batchSize, w);
    }

    /**
     * The queue's recount of held jobs, under its lock: each worker's count can only fall outside the
     * lock, so the figure read is a valid bound for that worker until its next take or steal.
     */
    private int recountHeld() {
        int n = 0;
        for (Worker w : workers) {
            long s = w.state;
            int held = endOf(s) - nextOf(s);
            w.heldBound = held;
            n += held;
        }
        return n;
    }

    /** Jobs taken into batches and not yet started: they count against the queue's capacity. */
    private int unstarted() {
        int n = 0;
        for (Worker w : workers) {
            long s = w.state;
            n += endOf(s) - nextOf(s);
        }
        return n;
    }

    /**
     * Takes the later half of the unstarted jobs of a busy worker into {@code thief.batch} (which is
     * empty: the thief is TAKING). The slots are copied before the CAS and are valid only if it
     * succeeds: the owner rewrites slots only after its word changed (a new batch has a new seq).
     */
    private int steal(Worker thief) {
        if (aborted || workers.length == 1 || idleAware == null || !anyStealable(thief)) {
            return 0;
        }
        // Under the queue's lock, so that a sender counting held jobs never sees them between two workers.
        int k = idleAware.underLock(() -> stealLocked(thief));
        if (k > 0 && idleAware.sendersParked()) {
            idleAware.refillParked(); // the first stolen job starts now: its slot is free
        }
        return k;
    }

    /**
     * A lock-free look at the other workers' words: true if one holds unstarted jobs (or is STARTING, a
     * few instructions from RUNNING). The words are volatile; read after this worker left `searching`
     * (by a take or by pushing itself idle), they are what the pairing with a batch owner needs (see the
     * overview). stealLocked reads them again under the lock, so a stale true costs one acquisition.
     */
    private boolean anyStealable(Worker thief) {
        for (Worker v : workers) {
            if (v != thief) {
                long cur = v.state;
                int p = phaseOf(cur);
                if ((p == RUNNING || p == STARTING) && nextOf(cur) != endOf(cur)) {
                    return true;
                }
            }
        }
        return false;
    }

    private int stealLocked(Worker thief) {
        Object[] into = thief.batch;
        for (Worker v : workers) {
            if (v == thief) {
                continue;
            }
            for (int attempt = 0; attempt < 4; attempt++) {
                long cur = v.state;
                int p = phaseOf(cur);
                if (p == STARTING) {
                    Thread.onSpinWait(); // a few instructions from RUNNING
                    continue;
                }
                int next = nextOf(cur);
                int end = endOf(cur);
                if (p != RUNNING || next == end) {
                    break;
                }
                int k = (end - next + 1) / 2;
                int mid = end - k;
                System.arraycopy(v.batch, mid, into, 0, k);
                if (STATE.compareAndSet(v, cur, word(seqOf(cur), RUNNING, next, mid))) {
                    // The k jobs move from v's part of the queue's bound to the thief's, which claims one
                    // at once: the sum of the parts falls, so the queue's bound still covers them.
                    v.heldBound -= k;
                    thief.taken(k, idleAware.bufferedLocked());
                    return k;
                }
                Arrays.fill(into, 0, k, null);
            }
        }
        return 0;
    }

    private void pushIdle(Worker w) {
        idleLock.lock();
        try {
            w.parked = true;
            idleStack[idleTop++] = w;
            signals.idleCount = idleTop; // volatile write after the push: pairs with signalWork's read
        } finally {
            idleLock.unlock();
        }
        leaveSearching(w); // after idleCount counts it: a submitter sees it as searching or as idle
    }

    private void enterSearching(Worker w) {
        if (!w.searchingCounted) {
            w.searchingCounted = true;
            IdleSignals.SEARCHING.getAndAdd(signals, 1);
        }
    }

    private void leaveSearching(Worker w) {
        if (w.searchingCounted) {
            w.searchingCounted = false;
            IdleSignals.SEARCHING.getAndAdd(signals, -1);
        }
    }

    /** Takes {@code w} off the idle stack if a waker has not already; clears its parked flag either way. */
    private void removeIdle(Worker w) {
        idleLock.lock();
        try {
            for (int i = idleTop - 1; i >= 0; i--) {
                if (idleStack[i] == w) {
                    System.arraycopy(idleStack, i + 1, idleStack, i, idleTop - i - 1);
                    idleStack[--idleTop] = null;
                    signals.idleCount = idleTop;
                    break;
                }
            }
            w.parked = false;
        } finally {
            idleLock.unlock();
        }
    }

    /** After a job entered the buffer: wakes the newest idle worker unless one is searching (it will see it). */
    private void signalWork() {
        if (signals.idleCount > 0 && signals.searching == 0) {
            Worker w = null;
            idleLock.lock();
            try {
                if (idleTop > 0) {
                    w = idleStack[--idleTop];
                    idleStack[idleTop] = null;
                    signals.idleCount = idleTop;
                    w.parked = false;
                }
            } finally {
                idleLock.unlock();
            }
            if (w != null) {
                LockSupport.unpark(w.thread);
            }
        }
    }

    /** After the channel is closed: every idle worker wakes, finds it closed (or drains it) and ends. */
    private void wakeAllIdle() {
        if (idleAware == null) {
            return;
        }
        Worker[] woken;
        int n;
        idleLock.lock();
        try {
            n = idleTop;
            woken = Arrays.copyOf(idleStack, n);
            for (int i = 0; i < n; i++) {
                idleStack[i].parked = false;
                idleStack[i] = null;
            }
            idleTop = 0;
            signals.idleCount = 0;
        } finally {
            idleLock.unlock();
        }
        for (int i = 0; i < n; i++) {
            LockSupport.unpark(woken[i].thread);
        }
    }

    private long completedSum() {
        long n = 0;
        for (Worker w : workers) {
            n += (long) DONE_COUNT.getAcquire(w);
        }
        return n;
    }

    // ------------------------------------------------------------------ shutting down

    @Override
    public DrainReport drain(Duration grace) throws InterruptedException {
        Objects.requireNonNull(grace, "grace");
        Worker me = CURRENT.get();
        if (me != null && me.pool() == this) {
            throw new IllegalStateException("drain called from a job of pool '" + name + "': it would wait for itself");
        }
        shutdown = true;
        queue.close();
        wakeAllIdle();
        boolean done = terminated.await(clampNanos(grace), TimeUnit.NANOSECONDS);
        return new DrainReport(completedSum(), failed.sum(), done ? 0 : running(), done ? 0 : queuedNow(), done);
    }

    @Override
    public List<Job> abort() {
        shutdown = true;
        List<Object> unstarted = new ArrayList<>();
        List<Object> sealedOff = new ArrayList<>();
        abortLock.lock();
        try {
            aborted = true;
            queue.close();
            wakeAllIdle();
            for (;;) {
                Object t;
                try {
                    t = queue.tryReceive();
                } catch (ChannelClosedException drained) {
                    break;
                }
                if (t == null) {
                    break;
                }
                if (sheds) {
                    depth.decrementAndGet();
                }
                unstarted.add(t);
            }
            settleWorkers(sealedOff);
            leftoverLock.lock();
            try {
                // Workers take from the head of the queue, so their jobs came first.
                sealedOff.addAll(0, leftovers);
                unstarted.addAll(0, sealedOff);
                leftovers.clear();
            } finally {
                leftoverLock.unlock();
            }
        } finally {
            abortLock.unlock();
        }
        ClosedException reason = new ClosedException("pool '" + name + "' was aborted");
        Thread me = Thread.currentThread();
        cancelQuietly(poolContext, reason);
        for (Worker w : workers) {
            int p = w.phase();
            if (p == RUNNING || p == SEALED) {
                CancellableContext c = w.own;
                if (c != null) {
                    cancelQuietly(c, reason);
                }
                if (w.thread != me) {
                    w.thread.interrupt();
                }
            }
        }
        List<Job> out = new ArrayList<>(unstarted.size());
        for (Object o : unstarted) {
            abandoned.increment();
            if (o instanceof Task<?> t) {
                t.completeExceptionally(new CancelledException("pool '" + name
                        + "' was aborted before this job started", reason));
                out.add(t.asJob());
            } else {
                out.add((Job) o);
            }
        }
        return out;
    }

    /**
     * Cancels a job context. Its callbacks (user code) run on this thread; one that throws must not stop
     * abort from cancelling the others and handing back the unstarted jobs, so the failure is dropped.
     */
    private static void cancelQuietly(CancellableContext c, Throwable reason) {
        try {
            c.cancel(reason);
        } catch (RuntimeException callbackFailed) {
            // reported nowhere on purpose: see above
        }
    }

    /**
     * After the channel is closed and empty: settles every worker. A RUNNING worker is sealed (CAS to
     * SEALED) and the unstarted rest of its batch goes to {@code into}; it ends after its job. A TAKING
     * or STARTING worker is waited for: it soon starts a job (then it is sealed on a later pass), ends, or
     * hands its jobs to the leftovers. EXITED and SEALED are final, and nobody steals from them, so a
     * worker settled once stays settled. Not interruptible (it is short); an interrupt is kept for the
     * caller.
     */
    private void settleWorkers(List<Object> into) {
        Thread me = Thread.currentThread();
        aborter = me;
        boolean interrupted = false;
        boolean[] settled = new boolean[workers.length];
        try {
            for (;;) {
                boolean busy = false;
                for (int i = 0; i < workers.length; i++) {
                    if (!settled[i]) {
                        settled[i] = trySeal(workers[i], into);
                        busy |= !settled[i];
                    }
                }
                if (!busy) {
                    return;
                }
                LockSupport.parkNanos(this, ABORT_POLL_NANOS);
                interrupted |= Thread.interrupted();
            }
        } finally {
            aborter = null;
            if (interrupted) {
                me.interrupt();
            }
        }
    }

    private boolean trySeal(Worker w, List<Object> into) {
        long cur = w.state;
        switch (phaseOf(cur)) {
            case EXITED, SEALED -> {
                return true;
            }
            case RUNNING -> {
                int next = nextOf(cur);
                int end = endOf(cur);
                Object[] rest = Arrays.copyOfRange(w.batch, next, end); // valid only if the CAS succeeds
                if (!STATE.compareAndSet(w, cur, word(seqOf(cur), SEALED, next, next))) {
                    return false; // it moved on; look again
                }
                into.addAll(Arrays.asList(rest));
                if (sheds) {
                    depth.addAndGet(next - end);
                }
                return true;
            }
            default -> {
                return false; // TAKING or STARTING: see above
            }
        }
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return terminated.getCount() == 0;
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        return terminated.await(clampNanos(timeout), TimeUnit.NANOSECONDS);
    }

    // ------------------------------------------------------------------ inspection

    @Override
    public boolean isShedding() {
        return shedding.get();
    }

    /** Jobs in the queue plus jobs taken into workers' batches and not yet started. */
    private int queuedNow() {
        return queue.size() + unstarted();
    }

    private int running() {
        int n = 0;
        for (Worker w : workers) {
            int p = w.phase();
            if (p == RUNNING || p == SEALED) {
                n++;
            }
        }
        return n;
    }

    @Override
    public PoolStats stats() {
        // Finished counts first, then accepted (the channel's count of items sent): a job finishes only
        // after it was accepted, so read in this order the accepted count is never behind.
        long done = completedSum();
        long fin = done + failed.sum() + cancelled.sum() + abandoned.sum();
        long acc = queue.stats().sent();
        long rej = rejected.sum();
        return new PoolStats(acc + rej + refused.sum(), acc, rej, done, failed.sum(), cancelled.sum(),
                abandoned.sum(), Math.max(0L, acc - fin), running(), queuedNow(), blockedNanos.sum(), shedding.get());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int workers() {
        return workers.length;
    }

    @Override
    public int queueCapacity() {
        return queueCapacity;
    }

    private static long clampNanos(Duration d) {
        try {
            return Math.max(0L, d.toNanos());
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? 0L : Long.MAX_VALUE;
        }
    }

    @Override
    public String toString() {
        return "WorkerPool[" + name + ", workers=" + workers.length + ", queue=" + queue.size() + "/" + queueCapacity
                + (aborted ? ", aborted" : shutdown ? ", draining" : "") + "]";
    }
}
