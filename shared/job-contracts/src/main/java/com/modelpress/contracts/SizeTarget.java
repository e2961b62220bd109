package com.modelpress.contracts;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A size a compressed model must fit in: an absolute number of bytes (the model file plus its external data), or a
 * fraction of the original's size. Written as users write sizes:
 *
 * <ul>
 *   <li>{@code 1500000}, {@code 1500000B}: bytes;</li>
 *   <li>{@code 1.5GB}, {@code 750MB}, {@code 64kB}: powers of 1000 (KB = kB = 1000 bytes);</li>
 *   <li>{@code 1.5GiB}, {@code 750MiB}, {@code 64KiB}: powers of 1024;</li>
 *   <li>{@code 0.25x} (or {@code 25%}): that fraction of the original model's bytes, in (0, 1].</li>
 * </ul>
 * Units are case-insensitive except that a lone {@code b} means bytes, never bits. Immutable.
 *
 * @param bytes nullable: an absolute size, at least 1
 * @param ratio nullable: a fraction of the original, in (0, 1]; exactly one of the two is set
 * @param text  what the user wrote, for messages and reports
 */
public record SizeTarget(Long bytes, Double ratio, String text) {

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)?");
    private static final Pattern RATIO = Pattern.compile("(\\d*\\.?\\d+)\\s*(x|%)");

    public SizeTarget {
        if ((bytes == null) == (ratio == null)) {
            throw new IllegalArgumentException("a size target is either bytes or a ratio of the original");
        }
        if (bytes != null && bytes < 1) {
            throw new IllegalArgumentException("a size target must be at least 1 byte, was " + bytes);
        }
        if (ratio != null && !(ratio > 0 && ratio <= 1)) {
            throw new IllegalArgumentException("a size ratio must be above 0 and at most 1 (1x), was " + ratio);
        }
    }

    /**
     * @throws IllegalArgumentException when {@code text} is not a size as described above, saying what is accepted
     */
    public static SizeTarget parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a size is required, e.g. 1.5GB, 750MiB or 0.25x");
        }
        String value = text.strip().toLowerCase(Locale.ROOT);
        Matcher ratio = RATIO.matcher(value);
        if (ratio.matches()) {
            double number = Double.parseDouble(ratio.group(1));
            double fraction = ratio.group(2).equals("%") ? number / 100 : number;
            if (!(fraction > 0 && fraction <= 1)) {
                throw new IllegalArgumentException("'%s': a size relative to the original must be above 0 and at most 1x (100%%)"
                        .formatted(text.strip()));
            }
            return new SizeTarget(null, fraction, text.strip());
        }
        Matcher size = SIZE.matcher(value);
        if (!size.matches()) {
            throw new IllegalArgumentException(("'%s' is not a size; write bytes (1500000), decimal units (1.5GB, 750MB), "
                    + "binary units (1.5GiB, 750MiB) or a fraction of the original (0.25x)").formatted(text.strip()));
        }
        long unit = switch (size.group(2) == null ? "b" : size.group(2)) {
            case "kb" -> 1000L;
            case "mb" -> 1000L * 1000;
            case "gb" -> 1000L * 1000 * 1000;
            case "tb" -> 1000L * 1000 * 1000 * 1000;
            case "kib" -> 1L << 10;
            case "mib" -> 1L << 20;
            case "gib" -> 1L << 30;
            case "tib" -> 1L << 40;
            default -> 1L;
        };
        BigDecimal bytes = new BigDecimal(size.group(1)).multiply(BigDecimal.valueOf(unit));
        if (bytes.compareTo(BigDecimal.ONE) < 0 || bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 2)) > 0) {
            throw new IllegalArgumentException("'%s' is not a usable size (at least 1 byte)".formatted(text.strip()));
        }
        // a fraction of a byte cannot be stored: round down, so the result is never above what was asked
        return new SizeTarget(bytes.longValue(), null, text.strip());
    }

    /** The size in bytes for a model whose original is {@code originalBytes} (ratios round down). */
    public long bytesFor(long originalBytes) {
        return bytes != null ? bytes : (long) Math.floor(ratio * originalBytes);
    }
}
