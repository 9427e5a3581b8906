package dev.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Runs an example in this JVM through {@link Examples} with {@code --machine} and reads its key=value lines. */
final class ExampleRun {

    final int exitCode;
    final String out;
    final String err;
    final Map<String, String> values = new HashMap<>();

    private ExampleRun(int exitCode, String out, String err) {
        this.exitCode = exitCode;
        this.out = out;
        this.err = err;
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
    }

    static ExampleRun of(String... args) throws Exception {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code;
        try (var o = new PrintStream(out, true, StandardCharsets.UTF_8);
             var e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Examples.run(args, o, e);
        }
        return new ExampleRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    long number(String key) {
        assertThat(values).as("output of the example:%n%s%s", out, err).containsKey(key);
        return Long.parseLong(values.get(key));
    }

    double decimal(String key) {
        assertThat(values).as("output of the example:%n%s%s", out, err).containsKey(key);
        return Double.parseDouble(values.get(key));
    }

    boolean flag(String key) {
        assertThat(values).as("output of the example:%n%s%s", out, err).containsKey(key);
        return Boolean.parseBoolean(values.get(key));
    }
}
