package dev.sluice.bench.overload;

import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import dev.sluice.server.Admission;
import dev.sluice.server.JobServer;
import dev.sluice.server.RunningServer;
import dev.sluice.server.ServerConfig;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The job server with Netflix's limiter as its only admission control, in a JVM of its own: the same
 * workers, Jetty and job code as {@code ./sluice serve}, with sluice's admission filter replaced by
 * {@link NetflixLimitFilter} and the job runner's own admission made so loose it never answers (a queue of
 * {@value #QUEUE} and a 30 s wait budget: every request the Netflix filter lets through waits for a worker).
 * Prints the server's listening line, then runs until SIGTERM.
 *
 * <p>Usage: {@code NetflixGuardedServer WORKERS}.
 */
public final class NetflixGuardedServer {

    static final int QUEUE = 10_000;

    private NetflixGuardedServer() {
    }

    public static void main(String[] args) throws InterruptedException {
        int workers = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        SimpleLimiter<HttpServletRequest> limiter = SimpleLimiter.newBuilder().named("jobs").build();
        ServerConfig config = ServerConfig.builder()
                .host("127.0.0.1").port(0).workers(workers).queue(QUEUE).waitBudget(Duration.ofSeconds(30))
                .rate(null).perClient(null)
                .admission((c, registry) -> new Admission(new NetflixLimitFilter(limiter), limiter::getLimit,
                        limiter::getInflight))
                .build();
        RunningServer server = JobServer.start(config);
        System.out.println(JobServer.LISTENING + server.uri() + " (admission: Netflix concurrency-limits "
                + "SimpleLimiter, default Vegas limit)");
        System.out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            server.drain(Duration.ofSeconds(2));
            stopped.countDown();
        }));
        stopped.await();
    }
}
