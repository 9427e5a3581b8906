package dev.sluice.server;

import dev.sluice.http.AdmissionControl;
import dev.sluice.http.RouteClassStats;
import dev.sluice.limit.AimdLimit;
import dev.sluice.limit.TokenBucket;
import dev.sluice.micrometer.AdmissionControlMetrics;
import dev.sluice.micrometer.TokenBucketMetrics;
import dev.sluice.server.fleet.Fleet;
import dev.sluice.server.fleet.FleetBuckets;
import dev.sluice.server.fleet.FleetRateFilter;
import dev.sluice.server.http.FilterSequence;
import dev.sluice.server.http.GlobalRateFilter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.Filter;
import java.util.ArrayList;
import java.util.List;

/**
 * The server's own admission layer on {@code POST /jobs}, from sluice-http's {@link AdmissionControl}:
 * the per-client token bucket ({@code --per-client}, 429), the body cap and read budget ({@code
 * --max-body} 413, {@code --read-timeout} 408), a concurrency limit on requests in progress of workers
 * plus queue (adaptive with {@code --adaptive}: AIMD, lowered when requests end in 503, never above
 * workers plus queue) with the wait budget ({@code --wait}, 503 with a drain-estimate
 * {@code Retry-After}) served in the configured order ({@code --order}), then the server-wide token bucket ({@code --rate}, 429). Its meters go to the
 * server's registry.
 *
 * <p>In a fleet ({@code --redis}) the two token buckets are the fleet's, in Redis ({@link FleetBuckets}):
 * {@code --rate} and {@code --per-client} then hold for all instances together, and while Redis is
 * unreachable both refuse with 503 (fail closed). The concurrency limit stays local: it protects this
 * instance's request threads, and the fleet's queue bound is checked by the job runner.
 */
public final class DefaultAdmission implements Admission.Factory {

    private final Fleet fleet;

    /** The admission of a server on its own. */
    public DefaultAdmission() {
        this(null);
    }

    /** The admission of a server in {@code fleet} (null: on its own). */
    public DefaultAdmission(Fleet fleet) {
        this.fleet = fleet;
    }

    @Override
    public Admission create(ServerConfig config, MeterRegistry registry) {
        int capacity = config.workers() + config.queue();
        AdmissionControl.Builder b = AdmissionControl.builder().name("jobs").waitBudget(config.waitBudget())
                .discipline(config.waitOrder())
                .maxWaiters(config.maxThreads()).maxBodyBytes(config.maxBody()).bodyReadBudget(config.readTimeout())
                .clientKeyHeader(config.clientHeader()).maxClientKeys(100_000);
        if (config.adaptive()) {
            b.limit(AimdLimit.builder().initialLimit(capacity).minLimit(1).maxLimit(capacity).build());
        } else {
            b.limit(capacity);
        }
        FleetBuckets buckets = fleet == null ? null : new FleetBuckets(fleet);
        if (buckets != null) {
            config.perClient().ifPresent(r -> b.clientLimiter(buckets.perClient(r)));
        } else {
            config.perClient().ifPresent(r -> b.perClientRate(r.permits(), r.period(), r.permits()));
        }
        AdmissionControl control = b.build();
        new AdmissionControlMetrics(control).bindTo(registry);
        List<Filter> filters = new ArrayList<>();
        filters.add(control.servletFilter());
        if (buckets != null) {
            config.rate().ifPresent(r -> filters.add(new FleetRateFilter(buckets, r)));
        } else {
            config.rate().ifPresent(r -> {
                TokenBucket bucket = TokenBucket.builder().rate(r.permits(), r.period()).burst(r.permits()).build();
                new TokenBucketMetrics("jobs.global", bucket).bindTo(registry);
                filters.add(new GlobalRateFilter(bucket));
            });
        }
        return new Admission(new FilterSequence(filters, control::close), () -> defaultClass(control).limit(),
                () -> control.stats().inflight());
    }

    private static RouteClassStats defaultClass(AdmissionControl control) {
        List<RouteClassStats> all = control.routeClassStats();
        return all.get(all.size() - 1);
    }
}
