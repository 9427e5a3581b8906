package dev.sluice.load.cli;

import dev.sluice.load.Durations;
import dev.sluice.load.LoadGenerator;
import dev.sluice.load.LoadPlan;
import dev.sluice.load.LoadReport;
import dev.sluice.load.Rate;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./sluice load URL [flags]}: one open-loop load run, printed as text or, with {@code --json}, as
 * one JSON object. Exit status 0 after a run (whatever the server answered), 2 for bad flags, 1 if the run
 * itself failed, 130 if interrupted.
 */
@Command(name = "load", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Sends requests to URL at a fixed arrival rate (open loop: the rate holds however slow the server is),",
            "measures latency from each request's intended start, and prints what came back.",
            "Only loopback targets unless --allow-remote. It stops by itself after --duration plus a drain."})
public final class LoadCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "URL", description = "the target, e.g. http://127.0.0.1:8080/jobs")
    String url;

    @Option(names = "--rate", paramLabel = "N/s", defaultValue = "100/s",
            description = "arrival rate: requests started per second (default ${DEFAULT-VALUE})")
    String rate;

    @Option(names = "--duration", paramLabel = "TIME", defaultValue = "10s",
            description = "length of the measured run, e.g. 30s (default ${DEFAULT-VALUE})")
    String duration;

    @Option(names = "--warmup", paramLabel = "TIME", defaultValue = "0s",
            description = "sent at the same rate before the measured run and not counted (default ${DEFAULT-VALUE})")
    String warmup;

    @Option(names = "--body", paramLabel = "JSON", description = "request body, sent as application/json")
    String body;

    @Option(names = "--method", paramLabel = "METHOD", description = "HTTP method (default POST with a body, GET without)")
    String method;

    @Option(names = {"-H", "--header"}, paramLabel = "NAME:VALUE", description = "an extra request header (repeatable)")
    List<String> headers = new ArrayList<>();

    @Option(names = "--clients", paramLabel = "N", defaultValue = "1",
            description = "client identities, sent round-robin as header X-Client-Id: client-<i> (default ${DEFAULT-VALUE})")
    int clients;

    @Option(names = "--timeout", paramLabel = "TIME", defaultValue = "2s",
            description = "client timeout of one request; a request without an answer by then counts as a client timeout (default ${DEFAULT-VALUE})")
    String timeout;

    @Option(names = "--max-inflight", paramLabel = "N", defaultValue = "10000",
            description = "hard bound on outstanding requests; a start that finds it reached is counted as 'not sent: generator saturated' (default ${DEFAULT-VALUE})")
    int maxInFlight;

    @Option(names = "--connections", paramLabel = "N", defaultValue = "512",
            description = "most TCP connections to open; further requests wait in the client, and that wait counts in their latency (default ${DEFAULT-VALUE})")
    int connections;

    @Option(names = "--drain", paramLabel = "TIME",
            description = "how long to wait for outstanding requests after the last start (default the timeout plus 1s)")
    String drain;

    @Option(names = "--json", description = "print the result as one JSON object")
    boolean json;

    @Option(names = "--allow-remote", description = "allow a target that is not a loopback address")
    boolean allowRemote;

    /** Builds the plan from the flags; throws {@link CommandLine.ParameterException} naming the bad one. */
    LoadPlan plan(CommandLine cl) {
        try {
            LoadPlan.Builder b = LoadPlan.builder(url)
                    .rate(Rate.parse(rate))
                    .duration(Durations.parse("--duration", duration))
                    .warmup(Durations.parse("--warmup", warmup))
                    .clients(clients)
                    .timeout(Durations.parse("--timeout", timeout))
                    .maxInFlight(maxInFlight)
                    .connections(connections)
                    .allowRemote(allowRemote);
            if (body != null) {
                b.body(body);
            }
            if (method != null) {
                b.method(method);
            }
            if (drain != null) {
                b.drainTimeout(Durations.parse("--drain", drain));
            }
            for (String h : headers) {
                int colon = h.indexOf(':');
                if (colon <= 0) {
                    throw new IllegalArgumentException("--header '" + h + "' must be NAME:VALUE");
                }
                b.header(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage(), e);
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        LoadPlan plan = plan(spec.commandLine());
        PrintWriter out = spec.commandLine().getOut();
        LoadReport report;
        try {
            report = new LoadGenerator(plan).run();
        } catch (InterruptedException e) {
            spec.commandLine().getErr().println("sluice load: interrupted");
            return 130;
        }
        out.print(json ? report.toJson() + System.lineSeparator() : report.toText());
        out.flush();
        return 0;
    }

    /** Runs the command with {@code args} and returns its exit status. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new LoadCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            c.getErr().println("sluice load: " + ex.getMessage());
            return 1;
        });
        return cl.execute(args);
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = run(args, out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }
}
