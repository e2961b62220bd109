package com.modelpress.report;

import java.util.Locale;

/** Numbers as a report shows them: locale-independent, with as many digits as the quantity deserves. */
final class Format {

    private Format() {
    }

    /** {@code value} with {@code digits} decimals. */
    static String fixed(double value, int digits) {
        if (!Double.isFinite(value) || value == Double.MAX_VALUE) {
            return value == Double.MAX_VALUE ? "saturated" : String.valueOf(value);
        }
        return String.format(Locale.ROOT, "%." + digits + "f", value);
    }

    /** A fraction as a percentage, e.g. {@code 0.1606 → 16.1 %}. */
    static String percent(double fraction) {
        return fixed(100 * fraction, 1) + " %";
    }

    /** Small positive quantities (KL, 1 − cosine) in three significant digits, scientific below 0.001. */
    static String small(double value) {
        if (value == Double.MAX_VALUE || !Double.isFinite(value)) {
            return fixed(value, 0);
        }
        if (value != 0 && Math.abs(value) < 1e-3) {
            return String.format(Locale.ROOT, "%.2e", value);
        }
        return String.format(Locale.ROOT, "%.4g", value);
    }

    /** Bytes in decimal units, as file managers show them. */
    static String bytes(long bytes) {
        if (bytes < 1000) {
            return bytes + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1000 && unit < units.length - 1) {
            value /= 1000;
            unit++;
        }
        return fixed(value, value < 10 ? 2 : 1) + " " + units[unit];
    }

    /** A power of ten as an axis label: {@code 1e-8}, {@code 0.01}, {@code 1}, {@code 10}. */
    static String powerOfTen(int exponent) {
        return exponent >= -2 && exponent <= 2 ? String.valueOf(Math.pow(10, exponent)).replaceAll("\\.0$", "")
                : "1e" + exponent;
    }

    /** Any value a record holds, for generic tables: numbers compactly, everything else as text; null as an em dash. */
    static String value(Object value) {
        return switch (value) {
            case null -> "—";
            case Double d -> Math.abs(d) < 1e-3 && d != 0 ? small(d) : String.format(Locale.ROOT, "%.6g", d)
                    .replaceAll("(\\.\\d*?)0+$", "$1").replaceAll("\\.$", "");
            case Float f -> value((double) f);
            default -> String.valueOf(value);
        };
    }
}
