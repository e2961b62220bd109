package com.modelpress.report;

import java.util.List;

/** The colour classes of storage methods, shared by every chart and legend. */
final class Palette {

    private Palette() {
    }

    /** The CSS class of a method id: {@code m-int4}, {@code m-int8}, {@code m-fp16}, or {@code m-other}. */
    static String of(String method) {
        return switch (method == null ? "" : method) {
            case "int4" -> "m-int4";
            case "int8", "int8-dynamic" -> "m-int8";
            case "fp16" -> "m-fp16";
            case "int2" -> "m-int2";
            default -> "m-other";
        };
    }

    static void legend(Html html, List<String> methods) {
        html.open("p", "class", "legend");
        for (String method : methods) {
            html.open("span", "class", "key").element("span", "", "class", "swatch " + of(method)).text(method)
                    .close("span");
        }
        html.close("p");
    }
}
