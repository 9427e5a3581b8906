package dev.sluice.server.job;

import dev.sluice.Context;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What a job does: one of three closed kinds. {@link #run(Context)} does it on the calling thread (a
 * worker) and returns what it measured. The CPU and I/O kinds stop early, with the context's exception,
 * if the context ends (the pool cancels running jobs' contexts on abort; a drain lets them finish).
 */
public sealed interface Work {

    /** The kind's name as the API spells it: {@code cpu}, {@code io} or {@code sha256}. */
    String kind();

    /** Does the work; throws the context's exception if it ends first. */
    JobResult run(Context context) throws InterruptedException;

    /** Burns {@code millis} of CPU time on the worker (thread CPU time where the JVM measures it, else elapsed time). */
    record Cpu(long millis) implements Work {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

        @Override
        public String kind() {
            return "cpu";
        }

        @Override
        public JobResult run(Context context) {
            long start = System.nanoTime();
            long target = TimeUnit.MILLISECONDS.toNanos(millis);
            boolean cpuClock = !Thread.currentThread().isVirtual() && THREADS.isCurrentThreadCpuTimeSupported();
            long cpuStart = cpuClock ? THREADS.getCurrentThreadCpuTime() : start;
            long spent = 0;
            long x = start | 1;
            while (spent < target) {
                for (int i = 0; i < 2_000; i++) { // a little real work between clock reads
                    x ^= x << 13;
                    x ^= x >>> 7;
                    x ^= x << 17;
                }
                context.throwIfDone();
                spent = (cpuClock ? THREADS.getCurrentThreadCpuTime() : System.nanoTime()) - cpuStart;
            }
            double elapsed = (System.nanoTime() - start) / 1e6;
            return new JobResult(kind(), elapsed, spent / 1e6, null, null, x == 0 ? 1 : 0);
        }
    }

    /** Waits {@code millis} without holding a CPU (the worker parks), as a call to a slow dependency would. */
    record Io(long millis) implements Work {
        @Override
        public String kind() {
            return "io";
        }

        @Override
        public JobResult run(Context context) throws InterruptedException {
            long start = System.nanoTime();
            CountDownLatch done = new CountDownLatch(1);
            try (Context.Registration r = context.onDone(done::countDown)) {
                done.await(millis, TimeUnit.MILLISECONDS);
            }
            context.throwIfDone();
            return new JobResult(kind(), (System.nanoTime() - start) / 1e6, null, null, null, 0);
        }
    }

    /** Computes the SHA-256 digest of {@code data}. */
    record Sha256(byte[] data) implements Work {
        @Override
        public String kind() {
            return "sha256";
        }

        @Override
        public JobResult run(Context context) {
            long start = System.nanoTime();
            MessageDigest md;
            try {
                md = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has SHA-256", e);
            }
            String hex = HexFormat.of().formatHex(md.digest(data));
            return new JobResult(kind(), (System.nanoTime() - start) / 1e6, null, hex, data.length, 0);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Sha256 s && java.util.Arrays.equals(data, s.data);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Sha256[" + data.length + " bytes]";
        }
    }
}
