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
        int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException;
    }

    /** One runnable example. */
    record Example(String name, String summary, Runner runner) {
    }

    /** Every example, in the order they are listed. */
    static final List<Example> ALL = List.of(
            new Example("unbounded-vs-bounded",
                    "a fast producer and a slow consumer through an unbounded queue, then a bounded channel",
                    UnboundedVsBounded::run));

    private Examples() {
    }

    public static void main(String[] args) throws InterruptedException {
        int code = run(args, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs the example named by {@code args[0]} with the remaining arguments; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
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
