package com.modelpress.report;

/**
 * Writes HTML (and inline SVG) that is also well-formed XML: every element closed, every attribute quoted, every text
 * and attribute value escaped. Values reaching a report come from models and users (tensor names, metadata, file
 * names), so nothing is ever written unescaped except markup this package built. Not thread-safe.
 */
final class Html {

    private final StringBuilder out = new StringBuilder(64 * 1024);

    /** Opens {@code tag} with attributes given as name, value pairs; a null value leaves its attribute out. */
    Html open(String tag, String... attributes) {
        out.append('<').append(tag);
        attributes(attributes);
        out.append('>');
        return this;
    }

    /** An element without content, written as {@code <tag …/>} (valid for HTML void elements and SVG alike). */
    Html empty(String tag, String... attributes) {
        out.append('<').append(tag);
        attributes(attributes);
        out.append("/>");
        return this;
    }

    Html close(String tag) {
        out.append("</").append(tag).append('>');
        return this;
    }

    /** {@code <tag attributes…>text</tag>}. */
    Html element(String tag, String text, String... attributes) {
        return open(tag, attributes).text(text).close(tag);
    }

    Html text(String text) {
        out.append(escape(text));
        return this;
    }

    /** Markup this package wrote itself (a doctype, a constant stylesheet); never a value from a report. */
    Html markup(String constant) {
        out.append(constant);
        return this;
    }

    @Override
    public String toString() {
        return out.toString();
    }

    private void attributes(String... attributes) {
        if (attributes.length % 2 != 0) {
            throw new IllegalArgumentException("attributes come as name, value pairs");
        }
        for (int i = 0; i < attributes.length; i += 2) {
            if (attributes[i + 1] != null) {
                out.append(' ').append(attributes[i]).append("=\"").append(escape(attributes[i + 1])).append('"');
            }
        }
    }

    /**
     * Escapes the five characters that can end a text or an attribute value, and replaces characters that neither
     * HTML nor XML allows (controls other than tab and newlines, lone surrogates) with U+FFFD. {@code null} is "".
     */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder escaped = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> escaped.append("&amp;");
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '"' -> escaped.append("&quot;");
                case '\'' -> escaped.append("&#39;");
                default -> {
                    if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                        escaped.append(c).append(text.charAt(++i));
                    } else if (Character.isSurrogate(c) || (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                            || c == 0xFFFE || c == 0xFFFF || (c >= 0x7F && c <= 0x9F)) {
                        escaped.append('\uFFFD');
                    } else {
                        escaped.append(c);
                    }
                }
            }
        }
        return escaped.toString();
    }
}
