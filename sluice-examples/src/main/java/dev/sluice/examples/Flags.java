package dev.sluice.examples;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The few command-line flags an example takes: {@code --name value} pairs, {@code --help} and
 * {@code --machine}, each checked against the names the example declares, so that a misspelt flag is an
 * error rather than silently ignored.
 */
final class Flags {

    private final String example;
    private final Map<String, String> defaults = new LinkedHashMap<>();
    private final Map<String, String> descriptions = new LinkedHashMap<>();
    private final Map<String, String> values = new LinkedHashMap<>();
    private boolean help;
    private boolean machine;

    Flags(String example) {
        this.example = example;
    }

    /** Declares a flag with its default value and a one-line description. */
    Flags declare(String name, Object defaultValue, String description) {
        defaults.put(name, String.valueOf(defaultValue));
        descriptions.put(name, description);
        return this;
    }

    /** Parses {@code args}; throws IllegalArgumentException naming the offending flag. */
    Flags parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> help = true;
                case "--machine" -> machine = true;
                default -> {
                    if (!a.startsWith("--") || !defaults.containsKey(a.substring(2))) {
                        throw new IllegalArgumentException("unknown flag '" + a + "'");
                    }
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(a + " needs a value");
                    }
                    values.put(a.substring(2), args[++i]);
                }
            }
        }
        return this;
    }

    boolean help() {
        return help;
    }

    /** {@code --machine}: print {@code key=value} lines (what the examples' tests read) instead of a table. */
    boolean machine() {
        return machine;
    }

    int positiveInt(String name) {
        String v = raw(name);
        try {
            int n = Integer.parseInt(v);
            if (n < 1) {
                throw new IllegalArgumentException("--" + name + " must be at least 1, was " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number, was '" + v + "'");
        }
    }

    double positiveDouble(String name) {
        String v = raw(name);
        try {
            double d = Double.parseDouble(v);
            if (!(d > 0) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("--" + name + " must be a positive number, was " + v);
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a number, was '" + v + "'");
        }
    }

    /** A duration written as {@code 250ms}, {@code 2s} or {@code 1m}. */
    Duration duration(String name) {
        String v = raw(name).trim().toLowerCase(Locale.ROOT);
        try {
            Duration d;
            if (v.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            } else if (v.endsWith("s")) {
                d = Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
            } else if (v.endsWith("m")) {
                d = Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)) * 60);
            } else {
                throw new NumberFormatException();
            }
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("--" + name + " must be positive, was " + v);
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a duration such as 250ms, 2s or 1m, was '" + v + "'");
        }
    }

    private String raw(String name) {
        String v = values.get(name);
        if (v == null) {
            v = defaults.get(name);
        }
        if (v == null) {
            throw new IllegalStateException("flag --" + name + " was not declared");
        }
        return v;
    }

    String usage() {
        StringBuilder b = new StringBuilder("usage: ./sluice example ").append(example).append(" [flags]\n");
        for (var e : descriptions.entrySet()) {
            b.append(String.format(Locale.ROOT, "  --%-14s %s (default %s)%n", e.getKey() + " V", e.getValue(),
                    defaults.get(e.getKey())));
        }
        b.append("  --machine         print key=value lines instead of a table\n");
        b.append("  --help            this text");
        return b.toString();
    }
}
