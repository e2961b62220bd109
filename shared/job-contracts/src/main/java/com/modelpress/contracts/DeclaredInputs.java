package com.modelpress.contracts;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a user says about the inputs the engine synthesises for evaluation and calibration, where the model's
 * signature leaves them open: the shape of an input ({@code --shape input=2x512}), the size of a symbolic dimension
 * wherever it occurs ({@code --dim batch=2}), and a value an input is filled with ({@code --set sr=16000}; a scalar, or
 * every element of a larger input). The same three maps travel in a job request as {@code evaluation.shapes},
 * {@code evaluation.dims} and {@code evaluation.values}.
 *
 * <p>Sizes are bounded ({@link #MAX_ELEMENTS} per input and per sample, {@link #MAX_TOTAL_ELEMENTS} over all samples)
 * so that a request cannot make a worker allocate more than a few hundred megabytes of inputs.
 *
 * @param shapes input name → its dimensions, never null
 * @param dims   symbolic dimension name → its size, never null
 * @param values input name → the value every element takes, never null
 */
public record DeclaredInputs(Map<String, List<Long>> shapes, Map<String, Long> dims, Map<String, Double> values) {

    /** Elements one synthesised input, and all inputs of one sample together, may hold: 16 Mi (64 MB of float32). */
    public static final long MAX_ELEMENTS = 1L << 24;
    /** Elements all synthesised samples together may hold: 64 Mi (256 MB of float32). */
    public static final long MAX_TOTAL_ELEMENTS = 1L << 26;
    /** Entries per map. */
    public static final int MAX_ENTRIES = 256;
    /** Dimensions per declared shape. */
    public static final int MAX_RANK = 16;
    /** Longest input or dimension name. */
    public static final int MAX_NAME_LENGTH = 1024;
    /** Largest integer a double holds exactly: values for integer inputs must be within ± this. */
    public static final double MAX_EXACT_INTEGER = 9007199254740992d;

    public static final DeclaredInputs NONE = new DeclaredInputs(Map.of(), Map.of(), Map.of());

    public DeclaredInputs {
        shapes = shapes == null ? Map.of() : copyShapes(shapes);
        dims = dims == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(dims));
        values = values == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** One broken rule: {@code field} as in a job request ({@code evaluation.shapes.input}), and what is wrong. */
    public record Problem(String field, String message) {

        @Override
        public String toString() {
            return field + " " + message;
        }
    }

    public boolean isEmpty() {
        return shapes.isEmpty() && dims.isEmpty() && values.isEmpty();
    }

    /**
     * Every rule these declarations break on their own (names, sizes, finite values), in request field terms; the
     * engine checks them against the model's inputs later. {@code samples} is how many samples are synthesised.
     */
    public List<Problem> problems(int samples) {
        List<Problem> problems = new ArrayList<>();
        checkCount("evaluation.shapes", shapes.size(), problems);
        checkCount("evaluation.dims", dims.size(), problems);
        checkCount("evaluation.values", values.size(), problems);
        long declared = 0;
        int before = problems.size();
        for (Map.Entry<String, List<Long>> shape : shapes.entrySet()) {
            String field = "evaluation.shapes." + echo(shape.getKey());
            checkName(field, shape.getKey(), problems);
            List<Long> sizes = shape.getValue();
            if (sizes == null) {
                problems.add(new Problem(field, "must be a list of dimension sizes ([] for a scalar)"));
                continue;
            }
            if (sizes.size() > MAX_RANK) {
                problems.add(new Problem(field, "may have at most %d dimensions, not %d".formatted(MAX_RANK, sizes.size())));
                continue;
            }
            long elements = 1;
            for (Long size : sizes) {
                if (size == null || size < 0 || size > MAX_ELEMENTS) {
                    problems.add(new Problem(field, "dimensions must be between 0 and %d, not %s".formatted(MAX_ELEMENTS, size)));
                    elements = 0;
                    break;
                }
                elements = Math.min(elements * size, MAX_ELEMENTS + 1); // both at most 2^24 + 1: no overflow
            }
            if (elements > MAX_ELEMENTS) {
                problems.add(new Problem(field, "%s holds more than %d elements".formatted(describe(sizes), MAX_ELEMENTS)));
            }
            declared = Math.min(declared + elements, Long.MAX_VALUE / 2);
        }
        // a shape already refused says enough: the sum would only repeat it
        boolean refused = problems.size() > before;
        if (!refused && declared > MAX_ELEMENTS) {
            problems.add(new Problem("evaluation.shapes", "the declared inputs of one sample hold %d elements, more than %d"
                    .formatted(declared, MAX_ELEMENTS)));
        } else if (!refused && declared * Math.max(samples, 1) > MAX_TOTAL_ELEMENTS) {
            problems.add(new Problem("evaluation.shapes", "%d samples of %d declared elements are more than %d elements"
                    .formatted(samples, declared, MAX_TOTAL_ELEMENTS)));
        }
        for (Map.Entry<String, Long> dim : dims.entrySet()) {
            String field = "evaluation.dims." + echo(dim.getKey());
            checkName(field, dim.getKey(), problems);
            if (dim.getValue() == null || dim.getValue() < 0 || dim.getValue() > MAX_ELEMENTS) {
                problems.add(new Problem(field, "must be between 0 and %d, not %s".formatted(MAX_ELEMENTS, dim.getValue())));
            }
        }
        for (Map.Entry<String, Double> value : values.entrySet()) {
            String field = "evaluation.values." + echo(value.getKey());
            checkName(field, value.getKey(), problems);
            if (value.getValue() == null || !Double.isFinite(value.getValue())) {
                problems.add(new Problem(field, "must be a finite number, not " + value.getValue()));
            }
        }
        return problems;
    }

    /**
     * Declarations from the command line's {@code NAME=2x512}, {@code SYMBOL=V} and {@code NAME=VALUE} arguments.
     *
     * @throws IllegalArgumentException naming the option and the argument that does not parse
     */
    public static DeclaredInputs parse(List<String> shapes, List<String> dims, List<String> values) {
        Map<String, List<Long>> parsedShapes = new LinkedHashMap<>();
        for (String argument : shapes) {
            String[] pair = split("--shape", argument, "NAME=2x512 (NAME=scalar for a scalar)");
            String text = pair[1].trim().toLowerCase(Locale.ROOT);
            List<Long> sizes = new ArrayList<>();
            if (!text.equals("scalar") && !text.equals("[]")) {
                for (String size : text.split("[x,×]", -1)) {
                    sizes.add(number("--shape", argument, size));
                }
            }
            put("--shape", parsedShapes, pair[0], sizes);
        }
        Map<String, Long> parsedDims = new LinkedHashMap<>();
        for (String argument : dims) {
            String[] pair = split("--dim", argument, "SYMBOL=SIZE");
            put("--dim", parsedDims, pair[0], number("--dim", argument, pair[1]));
        }
        Map<String, Double> parsedValues = new LinkedHashMap<>();
        for (String argument : values) {
            String[] pair = split("--set", argument, "NAME=VALUE");
            try {
                put("--set", parsedValues, pair[0], Double.parseDouble(pair[1].trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--set %s: '%s' is not a number".formatted(argument, pair[1]), e);
            }
        }
        return new DeclaredInputs(parsedShapes, parsedDims, parsedValues);
    }

    /** A shape as the options write it: {@code 2x512}, {@code scalar} for rank 0. */
    public static String describe(List<Long> sizes) {
        if (sizes.isEmpty()) {
            return "scalar";
        }
        return String.join("x", sizes.stream().map(String::valueOf).toList());
    }

    private static <V> void put(String option, Map<String, V> map, String name, V value) {
        if (map.put(name, value) != null) {
            throw new IllegalArgumentException("%s names '%s' twice".formatted(option, name));
        }
    }

    private static String[] split(String option, String argument, String form) {
        int equals = argument.indexOf('=');
        if (equals <= 0 || equals == argument.length() - 1) {
            throw new IllegalArgumentException("%s %s: expected %s".formatted(option, argument, form));
        }
        return new String[]{argument.substring(0, equals), argument.substring(equals + 1)};
    }

    private static long number(String option, String argument, String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("%s %s: '%s' is not a whole number".formatted(option, argument, text), e);
        }
    }

    private static void checkCount(String field, int count, List<Problem> problems) {
        if (count > MAX_ENTRIES) {
            problems.add(new Problem(field, "may hold at most %d entries, not %d".formatted(MAX_ENTRIES, count)));
        }
    }

    private static void checkName(String field, String name, List<Problem> problems) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH
                || name.chars().anyMatch(Character::isISOControl)) {
            problems.add(new Problem(field, "names must be 1 to %d characters without control characters"
                    .formatted(MAX_NAME_LENGTH)));
        }
    }

    /** The start of a user's name, for a field path: never the whole of a long one. */
    private static String echo(String name) {
        return name == null ? "null" : name.length() <= 40 ? name : name.substring(0, 40) + "…";
    }

    private static Map<String, List<Long>> copyShapes(Map<String, List<Long>> shapes) {
        Map<String, List<Long>> copy = new LinkedHashMap<>();
        // null sizes and elements survive the copy so that problems() can name them
        shapes.forEach((name, sizes) -> copy.put(name, sizes == null ? null
                : java.util.Collections.unmodifiableList(new ArrayList<>(sizes))));
        return java.util.Collections.unmodifiableMap(copy);
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        shapes.forEach((name, sizes) -> parts.add("--shape " + name + "=" + (sizes == null ? "?" : describe(sizes))));
        dims.forEach((name, size) -> parts.add("--dim " + name + "=" + size));
        values.forEach((name, value) -> parts.add("--set " + name + "=" + value));
        return String.join(" ", parts);
    }
}
