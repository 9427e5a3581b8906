package dev.sluice.channel.internal;

/**
 * A FIFO of {@link Waiter}s, doubly linked so a waiter that gives up leaves in O(1). Not thread-safe:
 * every method is called under the owning channel's lock.
 */
final class WaitQueue {
    private Waiter head;
    private Waiter tail;

    void add(Waiter w) {
        w.queued = true;
        w.prev = tail;
        w.next = null;
        if (tail == null) {
            head = w;
        } else {
            tail.next = w;
        }
        tail = w;
    }

    /** Removes and returns the oldest waiter, or null. */
    Waiter poll() {
        Waiter w = head;
        if (w != null) {
            unlink(w);
        }
        return w;
    }

    boolean isEmpty() {
        return head == null;
    }

    /** Removes {@code w} if it is still queued here; returns whether it was. */
    boolean remove(Waiter w) {
        if (!w.queued) {
            return false;
        }
        unlink(w);
        return true;
    }

    private void unlink(Waiter w) {
        Waiter p = w.prev;
        Waiter n = w.next;
        if (p == null) {
            head = n;
        } else {
            p.next = n;
        }
        if (n == null) {
            tail = p;
        } else {
            n.prev = p;
        }
        w.prev = null;
        w.next = null;
        w.queued = false;
    }
}
