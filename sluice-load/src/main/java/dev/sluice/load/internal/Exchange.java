package dev.sluice.load.internal;

/** How one request ended, as the generator counts it. */
public sealed interface Exchange {

    /** The server answered with {@code status}; {@code body} is the answer's text when the caller asked to keep it, else null. */
    record Answered(int status, String body) implements Exchange {
        public Answered(int status) {
            this(status, null);
        }
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
