package com.modelpress.report;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a report is about, beyond the report itself: a title for the page and facts to reproduce it by (the input file,
 * a job id, the job's metadata). Values are shown as text, escaped; they may come from anyone.
 *
 * @param title the page's heading, e.g. the model's file name or {@code job 5f0c…}
 * @param facts name → value, shown in this order among the inputs
 */
public record ReportSubject(String title, Map<String, String> facts) {

    public ReportSubject {
        Objects.requireNonNull(title, "title");
        facts = facts == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(facts));
    }

    public static ReportSubject titled(String title) {
        return new ReportSubject(title, Map.of());
    }
}
