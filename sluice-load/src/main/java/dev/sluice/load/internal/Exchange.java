package dev.sluice.load.internal;

/** How one request ended, as the generator counts it. */
public sealed interface Exchange {

    /** The server answered with {@code status}. */
    record Answered(int status) implements Exchange {
    }

    /** No answer within the client timeout. */
    record TimedOut() implements Exchange {
    }

    /** The connection failed or the exchange broke before an answer (refused, reset, closed). */
    record Failed(String reason) implements Exchange {
    }

    /** A shared instance: timeouts carry no data. */
    TimedOut TIMED_OUT = new TimedOut();
}
