package dev.sluice.server.http;

import dev.sluice.server.job.BadJobException;
import dev.sluice.server.job.JobParser;
import dev.sluice.server.job.JobRecord;
import dev.sluice.server.job.JobRejectedException;
import dev.sluice.server.job.JobResult;
import dev.sluice.server.job.JobRunner;
import dev.sluice.server.job.JobTable;
import dev.sluice.server.job.RunnerStats;
import dev.sluice.server.job.Work;
import dev.sluice.server.stats.LiveStats;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Every route of the job server, in one servlet mapped at {@code /}: the job API, health, metrics and
 * the dashboard. Unknown paths get 404 and known paths with the wrong method 405 with {@code Allow},
 * both as JSON. Runs on Jetty's (bounded) virtual threads; a {@code wait=true} request blocks its
 * thread until its job finishes or {@link #RESULT_WAIT} passes.
 */
public final class ApiServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    /** The longest {@code POST /jobs?wait=true} waits for its job: the longest job plus a margin. */
    public static final Duration RESULT_WAIT = Duration.ofSeconds(90);

    private static final Map<String, String> ASSETS = Map.of(
            "/", "index.html", "/index.html", "index.html", "/dashboard.js", "dashboard.js",
            "/dashboard.css", "dashboard.css");

    private final transient JobParser parser;
    private final transient JobRunner runner;
    private final transient JobTable table;
    private final transient LiveStats stats;
    private final transient PrometheusMeterRegistry registry;
    private final transient BooleanSupplier draining;
    private final transient Supplier<Map<String, Object>> settings;
    private final long maxBody;
    private final long readTimeoutNanos;
    private final transient Map<String, byte[]> assets = new java.util.HashMap<>();

    public ApiServlet(JobParser parser, JobRunner runner, JobTable table, LiveStats stats,
            PrometheusMeterRegistry registry, BooleanSupplier draining, Supplier<Map<String, Object>> settings,
            long maxBody, Duration readTimeout) {
        this.parser = parser;
        this.runner = runner;
        this.table = table;
        this.stats = stats;
        this.registry = registry;
        this.draining = draining;
        this.settings = settings;
        this.maxBody = maxBody;
        this.readTimeoutNanos = readTimeout.toNanos();
        for (String name : ASSETS.values()) {
            try (InputStream in = ApiServlet.class.getResourceAsStream("/dev/sluice/server/dashboard/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("dashboard resource missing: " + name);
                }
                assets.put(name, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getRequestURI();
        String method = req.getMethod();
        boolean read = method.equals("GET") || method.equals("HEAD");
        if (path.equals("/jobs")) {
            if (method.equals("POST")) {
                submit(req, resp);
            } else {
                notAllowed(resp, "POST");
            }
        } else if (path.startsWith("/jobs/")) {
            if (read) {
                show(resp, path.substring("/jobs/".length()));
            } else {
                notAllowed(resp, "GET, HEAD");
            }
        } else if (path.equals("/healthz") || path.equals("/readyz") || path.equals("/metrics")
                || path.equals("/stats") || ASSETS.containsKey(path)) {
            if (!read) {
                notAllowed(resp, "GET, HEAD");
            } else if (path.equals("/healthz")) {
                Responses.json(resp, 200, Map.of("status", "up"));
            } else if (path.equals("/readyz")) {
                boolean d = draining.getAsBoolean();
                Responses.json(resp, d ? 503 : 200, Map.of("status", d ? "draining" : "ready"));
            } else if (path.equals("/metrics")) {
                Responses.text(resp, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
            } else if (path.equals("/stats")) {
                stats(req, resp);
            } else {
                asset(resp, ASSETS.get(path));
            }
        } else {
            Responses.error(resp, 404, "no such route: " + method + " " + path
                    + " (routes: POST /jobs, GET /jobs/{id}, GET /healthz, /readyz, /metrics, /stats, /)");
        }
    }

    private static void notAllowed(HttpServletResponse resp, String allow) throws IOException {
        resp.setHeader("Allow", allow);
        Responses.error(resp, 405, "method not allowed here; allowed: " + allow);
    }

    private void submit(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String waitParam = queryParam(req, "wait"); // not getParameter: on a form POST it would read the body
        if (waitParam != null && !waitParam.equals("true") && !waitParam.equals("false")) {
            Responses.error(resp, 400, "wait must be true or false, got '" + waitParam + "'");
            return;
        }
        boolean waitForResult = "true".equals(waitParam);
        long declared = req.getContentLengthLong();
        if (declared > maxBody) {
            resp.setHeader("Connection", "close");
            Responses.error(resp, 413, "body of " + declared + " bytes is over the limit of " + maxBody + " bytes");
            return;
        }
        byte[] body;
        try {
            body = readBody(req);
        } catch (BodyTooLarge e) {
            resp.setHeader("Connection", "close");
            Responses.error(resp, 413, "body is over the limit of " + maxBody + " bytes");
            return;
        } catch (SlowBody e) {
            resp.setHeader("Connection", "close");
            Responses.error(resp, 408, "body did not arrive within " + TimeUnit.NANOSECONDS.toMillis(readTimeoutNanos)
                    + " ms");
            return;
        }
        Work work;
        try {
            work = parser.parse(body);
        } catch (BadJobException e) {
            Responses.error(resp, 400, e.getMessage());
            return;
        }
        JobRecord job = new JobRecord(work);
        try {
            runner.submit(job, req.getAttribute(JobsGate.ARRIVAL_NANOS) instanceof Long t ? t : System.nanoTime());
        } catch (JobRejectedException e) {
            Responses.refuse(resp, e.status(), e.retryAfterSeconds(), e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Responses.refuse(resp, 503, 1, "interrupted while waiting for room");
            return;
        }
        long id = table.add(job);
        resp.setHeader("Location", "/jobs/" + id);
        if (!waitForResult) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("id", id);
            out.put("state", job.state().wire());
            out.put("location", "/jobs/" + id);
            if (job.fleetKey() != null) {
                out.put("fleetKey", job.fleetKey());
            }
            Responses.json(resp, 202, out);
            return;
        }
        try {
            job.outcome().get(RESULT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            Responses.json(resp, 200, view(job));
        } catch (ExecutionException e) {
            Responses.json(resp, 500, view(job));
        } catch (TimeoutException e) {
            Responses.json(resp, 504, view(job));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Responses.json(resp, 503, view(job));
        }
    }

    private static final class BodyTooLarge extends Exception {
        private static final long serialVersionUID = 1L;
    }

    private static final class SlowBody extends Exception {
        private static final long serialVersionUID = 1L;
    }

    /** Reads at most maxBody bytes within the read budget; each blocking read is bounded by the idle timeout. */
    private byte[] readBody(HttpServletRequest req) throws IOException, BodyTooLarge, SlowBody {
        long deadline = System.nanoTime() + readTimeoutNanos;
        ServletInputStream in = req.getInputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(req.getContentLengthLong(), 64),
                Math.min(maxBody, 64 * 1024)));
        byte[] buf = new byte[8192];
        long total = 0;
        int n;
        while ((n = in.read(buf)) != -1) {
            total += n;
            if (total > maxBody) {
                throw new BodyTooLarge();
            }
            out.write(buf, 0, n);
            if (System.nanoTime() - deadline > 0) {
                throw new SlowBody();
            }
        }
        return out.toByteArray();
    }

    private void show(HttpServletResponse resp, String idText) throws IOException {
        long id;
        try {
            id = Long.parseLong(idText);
        } catch (NumberFormatException e) {
            Responses.error(resp, 404, "no job '" + truncate(idText) + "': job ids are whole numbers");
            return;
        }
        switch (table.find(id)) {
            case JobTable.Lookup.Found f -> Responses.json(resp, 200, view(f.job()));
            case JobTable.Lookup.Evicted e -> Responses.error(resp, 404, "job " + id + " finished and is no longer "
                    + "kept: the server keeps the newest " + table.finishedKept() + " finished jobs");
            case JobTable.Lookup.Unknown u -> Responses.error(resp, 404, "no job " + id);
        }
    }

    /** The first value of {@code name} in the query string, decoded, or null. */
    static String queryParam(HttpServletRequest req, String name) {
        String q = req.getQueryString();
        if (q == null) {
            return null;
        }
        for (String pair : q.split("&")) {
            int eq = pair.indexOf('=');
            String k = java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), java.nio.charset.StandardCharsets.UTF_8);
            if (k.equals(name)) {
                return eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static String truncate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    private static Map<String, Object> view(JobRecord job) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", job.id());
        out.put("kind", job.work().kind());
        out.put("state", job.state().wire());
        out.put("queuedMillis", round(job.queuedMillis()));
        out.put("runMillis", round(job.runMillis()));
        JobResult r = job.result();
        if (r != null) {
            out.put("result", r);
        }
        if (job.error() != null) {
            out.put("error", job.error());
        }
        if (job.fleetKey() != null) {
            out.put("fleetKey", job.fleetKey());
        }
        return out;
    }

    private static double round(double ms) {
        return Math.round(ms * 1000) / 1000.0;
    }

    private void stats(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        long since = 0;
        String s = queryParam(req, "since");
        if (s != null) {
            try {
                since = Long.parseLong(s);
            } catch (NumberFormatException e) {
                Responses.error(resp, 400, "since must be a sample number, got '" + truncate(s) + "'");
                return;
            }
        }
        RunnerStats rs = runner.stats();
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("admitted", stats.admitted());
        totals.put("rejected429", stats.rateLimited());
        totals.put("rejected503", stats.unavailable());
        totals.put("badRequest", stats.badRequest());
        totals.put("other", stats.other());
        totals.put("accepted", rs.accepted());
        totals.put("completed", rs.completed());
        totals.put("failed", rs.failed());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("state", draining.getAsBoolean() ? "draining" : "serving");
        out.put("settings", settings.get());
        out.put("totals", totals);
        if (runner instanceof dev.sluice.server.job.RedisJobRunner r) {
            out.put("fleet", r.fleetStats());
        }
        out.put("samples", stats.since(since));
        Responses.json(resp, 200, out);
    }

    private void asset(HttpServletResponse resp, String name) throws IOException {
        byte[] bytes = assets.get(name);
        String type = name.endsWith(".html") ? "text/html; charset=utf-8"
                : name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
        resp.setStatus(200);
        resp.setContentType(type);
        resp.setHeader("Cache-Control", "no-cache");
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }
}
