package dev.sluice.server;

import dev.sluice.limit.Discipline;
import dev.sluice.micrometer.ConcurrencyLimiterMetrics;
import dev.sluice.micrometer.WorkerPoolMetrics;
import dev.sluice.server.http.ApiServlet;
import dev.sluice.server.http.JobsGate;
import dev.sluice.server.job.BoundedJobRunner;
import dev.sluice.server.job.DrainSummary;
import dev.sluice.server.job.JobParser;
import dev.sluice.server.job.JobRunner;
import dev.sluice.server.job.JobTable;
import dev.sluice.server.job.NaiveUnboundedJobRunner;
import dev.sluice.server.job.RedisJobRunner;
import dev.sluice.server.fleet.Fleet;
import dev.sluice.server.stats.LiveStats;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.DispatcherType;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/**
 * Starts the job server: {@code JobServer.start(config)} returns a {@link RunningServer} once it listens.
 *
 * <pre>{@code
 * try (RunningServer s = JobServer.start(ServerConfig.builder().port(0).build())) {
 *     URI jobs = s.uri().resolve("/jobs");
 *     ...
 * }   // close() drains: every accepted job finishes
 * }</pre>
 *
 * <p>What is bounded, and by what: request handling runs on Jetty's {@link VirtualThreadPool} with at most
 * {@code maxThreads} virtual threads; open connections are capped at {@code maxConnections}; request
 * bodies at {@code maxBody}; jobs queued plus running at workers plus queue (or the adaptive limit below
 * that); waiting for room at the wait budget; the job table at the running jobs plus {@code
 * finishedJobsKept}; the dashboard's history at a fixed number of samples. In {@linkplain
 * ServerConfig#naive() naive} mode the job queue and admission are deliberately unbounded (see
 * {@link NaiveUnboundedJobRunner}).
 */
public final class JobServer {

    /** The line the server prints on stdout once it listens: this prefix, then the URL. */
    public static final String LISTENING = "sluice-server listening on ";

    /** How many dashboard samples are kept (at {@link #SAMPLE_INTERVAL}: two minutes). */
    static final int SAMPLES_KEPT = 240;
    static final Duration SAMPLE_INTERVAL = Duration.ofMillis(500);
    /** How long a drain waits, after the last job, for answers still being written. */
    static final Duration ANSWER_GRACE = Duration.ofSeconds(2);

    private JobServer() { }

    /**
     * Starts a server and returns once it listens.
     *
     * @throws IllegalStateException if it cannot bind or start (the cause says why); nothing is left running
     */
    public static RunningServer start(ServerConfig config) {
        Fleet fleet = null;
        if (config.redis().isPresent()) {
            try {
                fleet = Fleet.connect(config.redis().get());
            } catch (RuntimeException e) {
                throw new IllegalStateException("could not join the fleet on Redis at " + config.redis().get().uri() + ": "
                        + e.getMessage(), e);
            }
        }
        try {
            return new Instance(config, fleet).start();
        } catch (RuntimeException e) {
            if (fleet != null) {
                fleet.close();
            }
            if (e instanceof IllegalStateException) {
                throw e;
            }
            throw new IllegalStateException("could not start the job server: " + e.getMessage(), e);
        }
    }

    private static final class Instance implements RunningServer {
        private final ServerConfig config;
        private final Fleet fleet;
        private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        private final JobRunner runner;
        private final JobTable table;
        private final LiveStats stats;
        private final JobsGate gate;
        private final Server server;
        private final ServerConnector connector;
        private final ReentrantLock drainLock = new ReentrantLock();
        private volatile boolean draining;
        private DrainSummary summary; // guarded by drainLock

        Instance(ServerConfig config, Fleet fleet) {
            this.config = config;
            this.fleet = fleet;
            this.table = new JobTable(config.finishedJobsKept());
            JobParser parser = new JobParser(ServerConfig.MAX_JOB_MILLIS);
            this.runner = config.naive() ? new NaiveUnboundedJobRunner(config.workers())
                    : fleet != null ? new RedisJobRunner(fleet, config.workers(), config.waitBudget(), config.finishedJobsKept(), parser)
                    : new BoundedJobRunner(config.workers(), config.queue(), config.waitBudget(), config.maxThreads());
            Admission admission = config.naive() ? null
                    : config.admission().orElseGet(() -> new DefaultAdmission(fleet)).create(config, registry);
            if (fleet != null) {
                io.micrometer.core.instrument.FunctionCounter.builder("sluice.server.fleet.redis.unavailable", fleet.backend(),
                        b -> b.unavailableCount()).description("calls that found Redis unreachable (each refused or retried)")
                        .register(registry);
            }
            if (runner instanceof BoundedJobRunner b) {
                new WorkerPoolMetrics(b.pool()).bindTo(registry);
                new ConcurrencyLimiterMetrics(b.slots()).bindTo(registry);
            }
            IntSupplier limit = () -> {
                int a = admission == null ? -1 : admission.limit().getAsInt();
                return a >= 0 ? a : runner.stats().limit();
            };
            IntSupplier requests = admission == null ? () -> -1 : admission.inflight();
            this.stats = new LiveStats(SAMPLE_INTERVAL, SAMPLES_KEPT, runner::stats, limit, requests);
            ServerMetrics metrics = new ServerMetrics(registry, runner, stats);
            runner.onFinish(job -> {
                table.finished(job);
                stats.recordJobNanos(job.totalNanos());
                metrics.recordJob(job.totalNanos());
            });
            this.gate = new JobsGate(() -> draining, stats);

            VirtualThreadPool threads = new VirtualThreadPool(config.maxThreads());
            threads.setName("sluice-http");
            this.server = new Server(threads);
            server.setStopAtShutdown(false); // the drain stops Jetty, after the jobs
            server.setStopTimeout(ANSWER_GRACE.toMillis());
            HttpConfiguration http = new HttpConfiguration();
            http.setSendServerVersion(false);
            this.connector = new ServerConnector(server, new HttpConnectionFactory(http));
            connector.setHost(config.host());
            connector.setPort(config.port());
            // Not the read budget: Jetty's idle timeout also closes a connection whose request is waiting, with no
            // I/O, for a wait=true job. A sender that trickles is cut off at the read budget by admission
            // control; one that stalls completely holds a request thread (never a job slot) until this.
            connector.setIdleTimeout(Math.max(config.readTimeout().toMillis(), ApiServlet.RESULT_WAIT.toMillis() + 5_000));
            server.addBean(new NetworkConnectionLimit(config.maxConnections(), connector));
            server.addConnector(connector);

            ServletContextHandler context = new ServletContextHandler();
            context.setContextPath("/");
            ApiServlet api = new ApiServlet(parser, runner, table, stats, registry,
                    () -> draining, this::settings, config.maxBody(), config.readTimeout());
            context.addServlet(new ServletHolder("api", api), "/");
            context.addFilter(new FilterHolder(gate), "/jobs", EnumSet.of(DispatcherType.REQUEST));
            if (admission != null) {
                context.addFilter(new FilterHolder(admission.filter()), "/jobs", EnumSet.of(DispatcherType.REQUEST));
            }
            server.setHandler(context);
        }

        RunningServer start() {
            try {
                server.start();
            } catch (Exception e) {
                try {
                    server.stop();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
                try {
                    runner.abort();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
                stats.close();
                if (fleet != null) {
                    fleet.close();
                }
                throw new IllegalStateException("could not start the job server on " + config.host() + ":"
                        + config.port() + ": " + e.getMessage(), e);
            }
            stats.start();
            return this;
        }

        private Map<String, Object> settings() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mode", config.naive() ? "naive" : "bounded");
            m.put("workers", config.workers());
            m.put("queue", config.naive() ? -1 : config.queue());
            m.put("waitMillis", config.naive() ? null : config.waitBudget().toMillis());
            m.put("waitOrder", config.naive() ? null : config.waitOrder() == Discipline.FIFO ? "fifo" : "lifo");
            m.put("rate", config.naive() ? "off" : config.rate().map(Rate::toString).orElse("off"));
            m.put("perClient", config.naive() ? "off" : config.perClient().map(Rate::toString).orElse("off"));
            m.put("adaptive", config.adaptive());
            m.put("redis", fleet == null ? "off" : fleet.config().queue() + "@" + fleet.config().uri());
            m.put("sampleMillis", SAMPLE_INTERVAL.toMillis());
            return m;
        }

        @Override
        public int port() {
            return connector.getLocalPort();
        }

        @Override
        public URI uri() {
            String h = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
            return URI.create("http://" + h + ":" + port());
        }

        @Override
        public ServerConfig config() {
            return config;
        }

        @Override
        public java.util.Optional<String> fleetInstance() {
            return fleet == null ? java.util.Optional.empty() : java.util.Optional.of(fleet.instance());
        }

        @Override
        public java.util.Optional<String> fleetSummary() {
            return runner instanceof RedisJobRunner r ? java.util.Optional.of(r.fleetLine()) : java.util.Optional.empty();
        }

        @Override
        public boolean isDraining() {
            return draining;
        }

        @Override
        public DrainSummary drain(Duration grace) {
            drainLock.lock();
            try {
                if (summary != null) {
                    return summary;
                }
                draining = true;
                DrainSummary s;
                try {
                    s = runner.drain(grace);
                    // Let the answers of jobs that just finished (wait=true) be written before Jetty stops.
                    long end = System.nanoTime() + ANSWER_GRACE.toNanos();
                    while (gate.active() > 0 && System.nanoTime() - end < 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L);
                    }
                    try {
                        server.stop();
                    } catch (Exception e) {
                        // Jetty logs it; the jobs are done, which is what the drain promises.
                    }
                    if (!s.terminated()) {
                        runner.abort();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    abortQuietly();
                    var rs = runner.stats();
                    s = new DrainSummary(rs.accepted(), rs.completed(), rs.failed(),
                            rs.accepted() - rs.completed() - rs.failed(), false, 0);
                }
                stats.close();
                registry.close();
                if (fleet != null) {
                    fleet.close();
                }
                summary = s;
                return s;
            } finally {
                drainLock.unlock();
            }
        }

        private void abortQuietly() {
            try {
                runner.abort();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            drain(config.grace());
        }
    }

}
