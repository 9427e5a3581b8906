package dev.sluice.server.job;

/**
 * What a drain did, as the server prints it at shutdown.
 *
 * @param accepted     jobs accepted since the server started
 * @param completed    of those, finished normally
 * @param failed       of those, finished by throwing
 * @param stillRunning of those, not finished when the grace period ended
 * @param terminated   whether every worker ended within the grace period
 * @param millis       how long the drain took
 */
public record DrainSummary(long accepted, long completed, long failed, long stillRunning, boolean terminated,
        long millis) {

    /** The fixed report line printed on stdout at shutdown. */
    public String line() {
        return "sluice-server drained: accepted=" + accepted + " completed=" + completed + " failed=" + failed
                + " still-running=" + stillRunning + " terminated=" + terminated + " in " + millis + " ms";
    }
}
