package dev.sluice.testing;

/** Which kind of thread a test body runs on: blocking behaves alike on both, but parks differently. */
public enum ThreadKind {
    PLATFORM,
    VIRTUAL;

    Thread.Builder builder(String name) {
        return this == PLATFORM ? Thread.ofPlatform().name(name).daemon(true) : Thread.ofVirtual().name(name);
    }
}
