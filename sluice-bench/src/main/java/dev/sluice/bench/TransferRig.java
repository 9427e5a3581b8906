package dev.sluice.bench;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fixed crew of producer and consumer threads that moves one batch of items through a {@link Handoff}
 * each time {@link #moveBatch()} is called.
 *
 * <p>The threads are started once, parked on a barrier between batches, and stopped by {@link #close()}.
 * Keeping them alive means a measured batch contains only the transfer (and two barrier trips), never
 * thread creation, and lets a per-thread allocation counter see every byte the transfer allocates.
 *
 * <p>Each producer puts {@code batch / producers} items and each consumer takes {@code batch / consumers};
 * a batch ends when every consumer has its count, not by closing anything, so every implementation is
 * driven the same way. Consumers add up the items' values and {@link #moveBatch()} compares the total with
 * the sum that was sent, so an implementation that lost, duplicated or invented items fails the run
 * instead of producing a number.
 */
final class TransferRig implements AutoCloseable {

    /** The distinct item objects, created once so that sending allocates nothing (no boxing per item). */
    private static final Integer[] ITEMS = new Integer[1024];
    private static final int ITEM_MASK = ITEMS.length - 1;

    static {
        for (int i = 0; i < ITEMS.length; i++) {
            ITEMS[i] = Integer.valueOf(1_000_000 + i); // outside the Integer cache, so genuinely distinct objects
        }
    }

    /** How long {@link #moveBatch()} waits for a batch before declaring the implementation stuck. */
    private static final long BATCH_TIMEOUT_SECONDS = 120;

    private final Handoff handoff;
    private final int perProducer;
    private final int perConsumer;
    private final long expectedSum;
    private final long[] consumerSums;
    private final CyclicBarrier start;
    private final CyclicBarrier done;
    private final long[] workerBytes; // per worker, allocated during the last batch; -1 where not measurable
    private long lastBatchWorkerBytes = -1;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stopping;

    /**
     * Starts {@code producers + consumers} threads built by {@code builder}, all waiting for the first batch.
     *
     * @param batch items per batch; must divide evenly by both thread counts
     */
    TransferRig(Handoff handoff, int producers, int consumers, int batch, Thread.Builder builder) {
        if (producers < 1 || consumers < 1 || batch % producers != 0 || batch % consumers != 0) {
            throw new IllegalArgumentException("batch " + batch + " must split evenly over " + producers
                    + " producers and " + consumers + " consumers");
        }
        this.handoff = handoff;
        this.perProducer = batch / producers;
        this.perConsumer = batch / consumers;
        long sum = 0;
        for (int i = 0; i < perProducer; i++) {
            sum += ITEMS[i & ITEM_MASK];
        }
        this.expectedSum = sum * producers;
        this.consumerSums = new long[consumers];
        this.workerBytes = new long[producers + consumers];
        int parties = producers + consumers + 1; // the workers plus the caller of moveBatch()
        this.start = new CyclicBarrier(parties);
        this.done = new CyclicBarrier(parties);
        for (int p = 0; p < producers; p++) {
            int worker = p;
            threads.add(builder.name("bench-producer-" + p).unstarted(() -> work(worker, this::produce)));
        }
        for (int c = 0; c < consumers; c++) {
            int slot = c;
            int worker = producers + c;
            threads.add(builder.name("bench-consumer-" + c).unstarted(() -> work(worker, () -> consume(slot))));
        }
        threads.forEach(Thread::start);
    }

    /** A platform-thread builder for daemon threads (so a stuck rig can never keep a JVM alive). */
    static Thread.Builder platformThreads() {
        return Thread.ofPlatform().daemon(true);
    }

    /** A virtual-thread builder. */
    static Thread.Builder virtualThreads() {
        return Thread.ofVirtual();
    }

    /**
     * Moves one batch from the producers to the consumers and returns the sum of the values received.
     *
     * @throws IllegalStateException if a worker failed, the batch took longer than the timeout, or the
     *                               received items do not add up to what was sent
     */
    long moveBatch() throws InterruptedException {
        if (stopping) {
            throw new IllegalStateException("the rig is stopped", failure.get());
        }
        try {
            start.await(BATCH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            done.await(BATCH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (BrokenBarrierException | TimeoutException e) {
            stopWorkers();
            IllegalStateException failed = new IllegalStateException("the batch did not complete", failure.get());
            failed.addSuppressed(e);
            throw failed;
        }
        long received = 0;
        for (long s : consumerSums) {
            received += s; // the done barrier orders these reads after the consumers' writes
        }
        long bytes = 0;
        for (long b : workerBytes) {
            bytes = b < 0 || bytes < 0 ? -1 : bytes + b;
        }
        lastBatchWorkerBytes = bytes;
        if (received != expectedSum) {
            throw new IllegalStateException("consumers received items summing to " + received + ", expected "
                    + expectedSum + ": items were lost or duplicated");
        }
        return received;
    }

    private interface Task {
        void run() throws Exception;
    }

    /**
     * Bytes the producer and consumer threads allocated during the last batch, or -1 if the JVM cannot
     * count them (it can for platform threads on HotSpot). Excludes everything the harness does on other
     * threads, so it shows what the transfer itself allocates.
     */
    long lastBatchWorkerBytes() {
        return lastBatchWorkerBytes;
    }

    private void work(int worker, Task task) {
        try {
            while (true) {
                start.await();
                if (stopping) {
                    return;
                }
                long before = allocatedByThisThread();
                task.run();
                long after = allocatedByThisThread();
                workerBytes[worker] = before < 0 || after < 0 ? -1 : after - before;
                done.await();
            }
        } catch (Throwable t) {
            if (!stopping) {
                failure.compareAndSet(null, t);
                start.reset(); // wakes everyone still waiting with BrokenBarrierException
                done.reset();
            }
        }
    }

    private static long allocatedByThisThread() {
        if (Thread.currentThread().isVirtual()
                || !(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean mx)) {
            return -1;
        }
        return mx.getCurrentThreadAllocatedBytes();
    }

    private void produce() throws InterruptedException {
        Handoff h = handoff;
        for (int i = 0, n = perProducer; i < n; i++) {
            h.put(ITEMS[i & ITEM_MASK]);
        }
    }

    private void consume(int slot) throws InterruptedException {
        Handoff h = handoff;
        long sum = 0;
        for (int i = 0, n = perConsumer; i < n; i++) {
            sum += ((Integer) h.take()).intValue();
        }
        consumerSums[slot] = sum;
    }

    /** Stops and joins every worker; safe to call more than once. */
    @Override
    public void close() throws InterruptedException {
        if (stopping) {
            return;
        }
        stopping = true;
        try {
            start.await(10, TimeUnit.SECONDS); // idle workers pass the barrier, see stopping and return
        } catch (BrokenBarrierException | TimeoutException e) {
            stopWorkers();
        }
        joinAll();
    }

    private void stopWorkers() throws InterruptedException {
        stopping = true;
        threads.forEach(Thread::interrupt);
        start.reset();
        done.reset();
        joinAll();
    }

    private void joinAll() throws InterruptedException {
        for (Thread t : threads) {
            if (!t.join(Duration.ofSeconds(10))) {
                throw new IllegalStateException(t.getName() + " did not stop within 10 s");
            }
        }
    }
}
