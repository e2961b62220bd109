package com.modelpress.report;

/**
 * The frame of one SVG chart: its size in user units and the margins around the plotting area, with the mapping
 * from fractions of the area to coordinates (y grows upwards). Charts scale to the page width through CSS.
 */
final class Plot {

    final double width;
    final double height;
    final double left;
    final double right;
    final double top;
    final double bottom;

    Plot(double width, double height, double left, double right, double top, double bottom) {
        this.width = width;
        this.height = height;
        this.left = left;
        this.right = right;
        this.top = top;
        this.bottom = bottom;
    }

    double innerWidth() {
        return width - left - right;
    }

    double innerHeight() {
        return height - top - bottom;
    }

    /** The x coordinate of a fraction (0 = left edge, 1 = right edge) of the plotting area. */
    double x(double fraction) {
        return left + fraction * innerWidth();
    }

    /** The y coordinate of a fraction (0 = bottom, 1 = top) of the plotting area. */
    double y(double fraction) {
        return height - bottom - fraction * innerHeight();
    }

    /** Opens the {@code svg} element, labelled for screen readers; close it with {@code html.close("svg")}. */
    void open(Html html, String label) {
        html.open("svg", "viewBox", "0 0 " + n(width) + " " + n(height), "role", "img", "aria-label", label,
                "class", "chart");
        html.element("title", label);
    }

    /** The axes' lines along the left and bottom of the plotting area. */
    void axes(Html html) {
        line(html, x(0), y(0), x(1), y(0), "axis");
        line(html, x(0), y(0), x(0), y(1), "axis");
    }

    static void line(Html html, double x1, double y1, double x2, double y2, String cssClass) {
        html.empty("line", "x1", n(x1), "y1", n(y1), "x2", n(x2), "y2", n(y2), "class", cssClass);
    }

    static void text(Html html, double x, double y, String anchor, String text, String cssClass) {
        html.element("text", text, "x", n(x), "y", n(y), "text-anchor", anchor, "class", cssClass);
    }

    /** A rectangle with a tooltip. */
    static void bar(Html html, double x, double y, double width, double height, String cssClass, String tooltip) {
        html.open("rect", "x", n(x), "y", n(y), "width", n(Math.max(0, width)), "height", n(Math.max(0, height)),
                "class", cssClass);
        html.element("title", tooltip);
        html.close("rect");
    }

    /** A coordinate with one decimal. */
    static String n(double value) {
        return Format.fixed(value, 1);
    }
}
