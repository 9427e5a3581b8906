package dev.sluice.load.overload;

import java.time.Duration;

/**
 * The shape of an overload run: the job every request asks for, how many client identities send it, and
 * how long each step lasts. Rates are relative to the capacity measured at the start of the run.
 *
 * @param jobBody         the {@code POST /jobs?wait=true} body, e.g. {@code {"cpuMillis":10}}
 * @param serviceMillis   the job's nominal service time, for the latency bound
 * @param clients         client identities ({@code X-Client-Id})
 * @param timeout         the client timeout
 * @param warmup          the most time spent warming up at {@code warmupRate} before anything is measured
 *                        (class loading, JIT and connections of both JVMs, at a rate low enough not to
 *                        overload a cold server); it ends early once the server answers promptly
 * @param warmupRate      the warm-up's rate
 * @param probeRate       the rate of the capacity probe: well above capacity, so it measures the most
 *                        the server completes
 * @param probe           how long the capacity probe lasts
 * @param normal          the normal phase, at the measured capacity
 * @param overload        the overload phase, at {@code overloadFactor} times the capacity
 * @param recovery        the recovery phase, back at the capacity
 * @param overloadFactor  how far above capacity the overload phase sends
 * @param maxInFlight     the generator's bound on outstanding requests
 */
public record Scenario(String jobBody, double serviceMillis, int clients, Duration timeout, Duration warmup,
                       double warmupRate, double probeRate, Duration probe, Duration normal, Duration overload, Duration recovery,
                       double overloadFactor, int maxInFlight) {

    /** The demo's size: about 20 s per server. */
    public static Scenario demo() {
        return new Scenario("{\"cpuMillis\":10}", 10, 20, Duration.ofSeconds(2), Duration.ofSeconds(20), 50, 400,
                Duration.ofSeconds(3), Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(4), 10, 10_000);
    }

    /** The test's size: about 10 s per server. */
    public static Scenario quick() {
        return new Scenario("{\"cpuMillis\":10}", 10, 20, Duration.ofSeconds(2), Duration.ofSeconds(20), 50, 400,
                Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(2), 10, 10_000);
    }

    /** Issue 5's measurement: 60 s at 10x. */
    public static Scenario full() {
        return new Scenario("{\"cpuMillis\":10}", 10, 20, Duration.ofSeconds(2), Duration.ofSeconds(60), 50, 400,
                Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(60), Duration.ofSeconds(20), 10, 10_000);
    }
}
