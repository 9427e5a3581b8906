package dev.sluice.examples;

import dev.sluice.load.LoadGenerator;
import dev.sluice.load.LoadPlan;
import dev.sluice.load.LoadReport;
import dev.sluice.server.JobServer;
import dev.sluice.server.RunningServer;
import dev.sluice.server.ServerConfig;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * The guide's toy load tester, grown up: the same thing as running {@code ./sluice serve} in one terminal
 * and {@code ./sluice load} in another, in one program. It starts the job server on a free loopback port
 * with a small pool (2 workers, 4 queued, a 50 ms wait budget) running jobs that wait 20 ms (so the pool
 * can finish at most 100 a second, and the front door still has the CPU to answer), then sends it four
 * times more requests per second than it can run, open loop (the generator keeps its rate however slowly the server answers),
 * and prints what came back. A server with backpressure answers the excess quickly with {@code 503} and a
 * {@code Retry-After}; nothing waits for the client's timeout. Run it with
 * {@code ./sluice example load-test}; the same by hand:
 *
 * <pre>
 * ./sluice serve --port 8080 --workers 2 --queue 4 --wait 50ms --rate off --per-client off
 * ./sluice load http://127.0.0.1:8080/jobs?wait=true --rate 400/s --duration 3s --body '{"ioMillis":20}'
 * </pre>
 */
public final class LoadTest {

    private LoadTest() {
    }

    static LoadReport overload(double ratePerSecond, Duration duration, int ioMillis) throws InterruptedException {
        ServerConfig config = ServerConfig.builder().port(0).workers(2).queue(4).waitBudget(Duration.ofMillis(50))
                .rate(null).perClient(null).build();
        try (RunningServer server = JobServer.start(config)) {
            LoadPlan plan = LoadPlan.builder("http://127.0.0.1:" + server.port() + "/jobs?wait=true")
                    .method("POST").body("{\"ioMillis\":" + ioMillis + "}")
                    .rate(new dev.sluice.load.Rate(ratePerSecond)).duration(duration)
                    .warmup(Duration.ofSeconds(1)).timeout(Duration.ofSeconds(2)).clients(10).build();
            return new LoadGenerator(plan).run();
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        Flags f = new Flags("load-test")
                .declare("rate", 400, "requests per second, open loop")
                .declare("seconds", 3, "how long to send (after a one-second warm-up)")
                .declare("io", 20, "milliseconds each job waits (I/O, not CPU: the front door keeps its cores)");
        double rate;
        double seconds;
        int io;
        try {
            f.parse(args);
            rate = f.positiveDouble("rate");
            seconds = f.positiveDouble("seconds");
            io = f.positiveInt("io");
        } catch (IllegalArgumentException e) {
            err.println("load-test: " + e.getMessage());
            err.println(f.usage());
            return 2;
        }
        if (f.help()) {
            out.println(f.usage());
            return 0;
        }
        LoadReport r = overload(rate, Duration.ofMillis(Math.round(seconds * 1000)), io);
        if (f.machine()) {
            out.printf(Locale.ROOT, "sent=%d%naccepted=%d%nunavailable=%d%ntooMany=%d%ntimeouts=%d%nconnectionErrors=%d%n"
                            + "notSent=%d%nrejectedP99Millis=%.1f%nacceptedP99Millis=%.1f%nconnectionErrorKinds=%s%n",
                    r.sent(), r.accepted(), r.unavailable(), r.tooManyRequests(), r.timeouts(), r.connectionErrors(),
                    r.notSent(), r.rejectedLatency().p99Millis(), r.acceptedLatency().p99Millis(),
                    r.connectionErrorKinds());
            return 0;
        }
        out.printf(Locale.ROOT, "The job server (2 workers, 4 queued, 50 ms wait; at most %.0f jobs/s) under %.0f"
                + " requests/s of %d ms jobs:%n%n", 2000.0 / io, rate, io);
        out.println(r.toText());
        out.printf(Locale.ROOT, "%nThe excess was answered 503 (p99 %.0f ms), not left to time out: %d client timeouts.%n",
                r.rejectedLatency().p99Millis(), r.timeouts());
        return 0;
    }
}
