package dev.sluice.micrometer;

import dev.sluice.http.AdmissionControl;
import dev.sluice.http.AdmissionStats;
import dev.sluice.http.RouteClassStats;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Meters for an {@link AdmissionControl}, read from its {@link AdmissionStats} at each scrape, tagged
 * {@code name}:
 * <table class="striped">
 * <caption>Admission control meters</caption>
 * <thead><tr><th>Meter</th><th>Kind</th><th>From</th></tr></thead>
 * <tbody>
 * <tr><td>{@code sluice.http.requests}, {@code sluice.http.admitted}</td><td>counters</td><td>requests seen, admitted</td></tr>
 * <tr><td>{@code sluice.http.rejected}</td><td>counter per {@code reason} and {@code status}</td>
 *     <td>{@code busy}/503, {@code rate}/429, {@code body_too_large}/413, {@code read_timeout}/408,
 *     {@code bad_request}/400, {@code deadline}/504</td></tr>
 * <tr><td>{@code sluice.http.wait}</td><td>function timer</td><td>requests that queued for a slot and the
 *     time they queued</td></tr>
 * <tr><td>{@code sluice.http.wait.timeouts}, {@code sluice.http.failed}, {@code sluice.http.aborted}</td>
 *     <td>counters</td><td>503s after a full wait budget; downstream exceptions; clients lost while sending</td></tr>
 * <tr><td>{@code sluice.http.in.flight}, {@code sluice.http.waiting}</td><td>gauges</td><td>all route classes</td></tr>
 * <tr><td>{@code sluice.http.route.limit}, {@code .in.flight}, {@code .waiting}, {@code .service.time}</td>
 *     <td>gauges tagged {@code route}</td><td>each route class: its limit (adaptive or fixed), use, and the
 *     moving average of service time in seconds</td></tr>
 * </tbody>
 * </table>
 * If per-client rate limits are configured, the client table is bound too ({@link KeyedLimiterMetrics}
 * named {@code <name>.clients}). Meters hold the admission control strongly.
 */
@SuppressWarnings("exports") // sluice-http is optional: see module-info
public final class AdmissionControlMetrics implements MeterBinder {

    private final AdmissionControl admission;
    private final Iterable<Tag> tags;

    public AdmissionControlMetrics(AdmissionControl admission) {
        this(admission, Tags.empty());
    }

    public AdmissionControlMetrics(AdmissionControl admission, Iterable<Tag> tags) {
        this.admission = Objects.requireNonNull(admission, "admission");
        this.tags = Objects.requireNonNull(tags, "tags");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Tags base = Meters.named(admission.name(), tags);
        Meters m = new Meters(registry, base);
        AdmissionControl a = admission;
        m.counter("sluice.http.requests", a, x -> x.stats().requests(), null, "Requests seen by admission control");
        m.counter("sluice.http.admitted", a, x -> x.stats().admitted(), null, "Requests admitted");
        rejected(m, "busy", 503, AdmissionStats::rejectedBusy);
        rejected(m, "rate", 429, AdmissionStats::rejectedRate);
        rejected(m, "body_too_large", 413, AdmissionStats::rejectedBodyTooLarge);
        rejected(m, "read_timeout", 408, AdmissionStats::rejectedReadTimeout);
        rejected(m, "bad_request", 400, AdmissionStats::rejectedBadRequest);
        rejected(m, "deadline", 504, AdmissionStats::rejectedDeadline);
        m.timer("sluice.http.wait", a, x -> x.stats().waited(), x -> x.stats().waitNanos(),
                "Requests that queued for a slot, and the time they queued");
        m.counter("sluice.http.wait.timeouts", a, x -> x.stats().waitTimeouts(), "requests",
                "Requests refused after waiting the whole wait budget");
        m.counter("sluice.http.failed", a, x -> x.stats().failed(), null, "Admitted requests whose downstream threw");
        m.counter("sluice.http.aborted", a, x -> x.stats().abortedWhileReading(), "requests",
                "Clients that failed or left while their body was read");
        m.gauge("sluice.http.in.flight", a, x -> x.stats().inflight(), null, "Slots held now");
        m.gauge("sluice.http.waiting", a, x -> x.stats().waiting(), null, "Requests waiting for a slot now");
        List<RouteClassStats> routes = a.routeClassStats();
        for (int i = 0; i < routes.size(); i++) {
            int index = i;
            Meters r = new Meters(registry, base.and("route", routes.get(i).name()));
            r.gauge("sluice.http.route.limit", a, x -> route(x, index).limit(), null, "The route class's concurrency limit");
            r.gauge("sluice.http.route.in.flight", a, x -> route(x, index).inflight(), null, "Slots held in the route class");
            r.gauge("sluice.http.route.waiting", a, x -> route(x, index).waiting(), null, "Requests waiting in the route class");
            r.gauge("sluice.http.route.service.time", a, x -> route(x, index).serviceNanos() / 1e9, "seconds",
                    "Moving average of how long admitted requests held their slot");
        }
        if (a.clientLimiter() != null) {
            new KeyedLimiterMetrics(a.name() + ".clients", a.clientLimiter(), tags).bindTo(registry);
        }
    }

    private static RouteClassStats route(AdmissionControl a, int index) {
        return a.routeClassStats().get(index);
    }

    private void rejected(Meters m, String reason, int status, ToDoubleFunction<AdmissionStats> f) {
        m.counter("sluice.http.rejected", Tags.of("reason", reason, "status", Integer.toString(status)), admission,
                x -> f.applyAsDouble(x.stats()), "Requests refused by admission control");
    }
}
