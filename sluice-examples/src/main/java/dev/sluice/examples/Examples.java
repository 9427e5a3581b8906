package dev.sluice.examples;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Runs one example by name: {@code ./sluice example NAME [flags]}. Without a name, or with one it does not
 * know, it lists the examples and exits with status 2.
 */
public final class Examples {

    /** How an example is started: its flags in, its exit code out. */
    @FunctionalInterface
    interface Runner {
        int run(String[] args, PrintStream out, PrintStream err) throws Exception;
    }

    /** One runnable example. */
    record Example(String name, String summary, Runner runner) {
    }

    /** Every example, in the order they are listed. */
    static final List<Example> ALL = List.of(
            new Example("unbounded-vs-bounded",
                    "a fast producer and a slow consumer through an unbounded queue, then a bounded channel",
                    UnboundedVsBounded::run),
            new Example("email-sender",
                    "a bounded background sender: submit(ctx), trySubmit, counters that add up, a close that sends everything",
                    EmailSender::run),
            new Example("log-shipper",
                    "telemetry that drops under pressure, counts every drop and reports drops at a low rate",
                    LogShipper::run),
            new Example("coffee-shop",
                    "three baristas and ten chairs on a worker pool, checked against Little's law",
                    CoffeeShop::run),
            new Example("rate-limited-client",
                    "an HTTP client held to a token bucket and a retry budget against a flaky local server",
                    RateLimitedClient::run),
            new Example("hysteresis-pool",
                    "watermark shedding at 80% / resume at 40%, next to a band too narrow to stop flapping",
                    HysteresisPool::run),
            new Example("chat-broadcaster",
                    "a chat room where a stuck client is disconnected with a reason instead of growing memory",
                    ChatBroadcaster::run),
            new Example("latest-price",
                    "a conflated register between a fast ticker and a slow screen: always the newest price",
                    LatestPrice::run),
            new Example("image-resize",
                    "the guide's case study: admission, body cap, read budget, separate CPU slots, metrics, drain",
                    ImageResizeDemo::run),
            new Example("two-stage-pipeline",
                    "read -> transform with a bounded link, cancelled halfway: no thread left behind",
                    TwoStagePipeline::run),
            new Example("file-ingester",
                    "a file far larger than the heap, streamed through a pipeline held to the parser's speed",
                    FileIngester::run),
            new Example("load-test",
                    "the guide's toy load tester: ./sluice load against ./sluice serve, past capacity",
                    LoadTest::run));

    private Examples() {
    }

    public static void main(String[] args) throws Exception {
        int code = run(args, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs the example named by {@code args[0]} with the remaining arguments; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length == 0) {
            err.println("usage: ./sluice example NAME [flags]   (NAME --help shows an example's flags)");
            list(err);
            return 2;
        }
        for (Example e : ALL) {
            if (e.name().equals(args[0])) {
                return e.runner().run(Arrays.copyOfRange(args, 1, args.length), out, err);
            }
        }
        err.println("sluice: no example named '" + args[0] + "'");
        list(err);
        return 2;
    }

    private static void list(PrintStream err) {
        err.println("examples:");
        for (Example e : ALL) {
            err.printf(Locale.ROOT, "  %-24s %s%n", e.name(), e.summary());
        }
    }
}
