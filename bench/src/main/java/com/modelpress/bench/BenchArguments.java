package com.modelpress.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Command-line options of a bench main, given as {@code --name value} or {@code --name=value}.
 *
 * @param values option name (without dashes) to its raw value; never null
 */
record BenchArguments(Map<String, String> values) {

    BenchArguments {
        values = Map.copyOf(values);
    }

    /**
     * {@link #parse} for a bench's {@code main}: a bad command line prints why on standard error and ends the process
     * with exit code 2 (usage), as {@code bench/run} expects.
     */
    static BenchArguments parseOrExit(String[] args, Set<String> known) {
        try {
            return parse(args, known);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            throw e; // not reached: exit does not return
        }
    }

    /**
     * @param args  the main method's arguments
     * @param known option names accepted, without dashes
     * @throws IllegalArgumentException on an unknown option, a missing value or a repeated option
     */
    static BenchArguments parse(String[] args, Set<String> known) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new IllegalArgumentException("expected an option like --name value, got '" + arg + "'");
            }
            String name;
            String value;
            int equals = arg.indexOf('=');
            if (equals > 0) {
                name = arg.substring(2, equals);
                value = arg.substring(equals + 1);
            } else {
                name = arg.substring(2);
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("option --" + name + " needs a value");
                }
                value = args[++i];
            }
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name + "; known: --"
                        + String.join(", --", new TreeSet<>(known)));
            }
            if (values.put(name, value) != null) {
                throw new IllegalArgumentException("option --" + name + " given twice");
            }
        }
        return new BenchArguments(values);
    }

    /** @return the comma-separated values of {@code name}, or {@code defaults} when the option is absent */
    List<String> list(String name, List<String> defaults) {
        String value = values.get(name);
        if (value == null) {
            return defaults;
        }
        List<String> items = Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (items.isEmpty()) {
            throw new IllegalArgumentException("option --" + name + " needs at least one value");
        }
        return items;
    }

    /** @throws IllegalArgumentException when the value is not a positive integer */
    int positiveInt(String name, int defaultValue) {
        String value = values.get(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(value.strip());
            if (parsed < 1) {
                throw new IllegalArgumentException("option --" + name + " must be at least 1, was " + parsed);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option --" + name + " must be an integer, was '" + value + "'", e);
        }
    }

    /** @return the value as a path, or {@code defaultValue} when the option is absent */
    Path path(String name, Path defaultValue) {
        String value = values.get(name);
        return value == null ? defaultValue : Path.of(value);
    }
}
