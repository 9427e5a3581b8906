package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Poll;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A thread factory that remembers every thread it made, so a test can check exactly that a pipeline's
 * threads have all ended (virtual threads are invisible to {@code Thread.getAllStackTraces()}).
 */
final class CountingThreads implements ThreadFactory {

    private final boolean platform;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Thread> made = new ArrayList<>();

    CountingThreads(boolean platform) {
        this.platform = platform;
    }

    static CountingThreads virtual() {
        return new CountingThreads(false);
    }

    static CountingThreads platform() {
        return new CountingThreads(true);
    }

    @Override
    public Thread newThread(Runnable r) {
        Thread t = platform ? Thread.ofPlatform().daemon(true).unstarted(r) : Thread.ofVirtual().unstarted(r);
        lock.lock();
        try {
            made.add(t);
        } finally {
            lock.unlock();
        }
        return t;
    }

    List<Thread> made() {
        lock.lock();
        try {
            return List.copyOf(made);
        } finally {
            lock.unlock();
        }
    }

    long alive() {
        return made().stream().filter(Thread::isAlive).count();
    }

    /** Right after await/abort/drain: every thread made has ended, none is left behind. */
    void assertAllEnded() {
        assertThat(made()).isNotEmpty();
        assertThat(made().stream().filter(Thread::isAlive).map(Thread::getName).toList())
                .as("pipeline threads still alive").isEmpty();
    }

    /** The one thread whose name contains {@code fragment}, once it exists. */
    Thread named(String fragment) {
        Poll.until("a thread named *" + fragment + "* exists",
                () -> made().stream().anyMatch(t -> t.getName().contains(fragment)));
        return made().stream().filter(t -> t.getName().contains(fragment)).findFirst().orElseThrow();
    }
}
