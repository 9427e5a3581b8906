package dev.sluice.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/** A list sinks can add to from several threads; bounded by what the test sends. */
final class ConcurrentList<T> implements Sink<T> {
    private final ReentrantLock lock = new ReentrantLock();
    private final List<T> items = new ArrayList<>();

    @Override
    public void accept(T item) {
        lock.lock();
        try {
            items.add(item);
        } finally {
            lock.unlock();
        }
    }

    List<T> snapshot() {
        lock.lock();
        try {
            return List.copyOf(items);
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return items.size();
        } finally {
            lock.unlock();
        }
    }
}
