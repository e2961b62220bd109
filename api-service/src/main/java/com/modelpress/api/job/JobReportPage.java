package com.modelpress.api.job;

import com.modelpress.contracts.CompressionRequest;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.report.HtmlReport;
import com.modelpress.report.ReportSubject;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A job's report as the HTML page people open from the dashboard or a pipeline's artifacts: the report itself, titled
 * with the job's input and carrying the job's facts (id, input, target, metadata) among its inputs.
 */
final class JobReportPage {

    /**
     * The page's own policy, plus what only a header can say: the page may be framed by the API's own pages (the
     * dashboard) and by nothing else, and runs sandboxed (no script, an opaque origin) even if markup slipped in.
     */
    static final String CONTENT_SECURITY_POLICY = HtmlReport.CONTENT_SECURITY_POLICY + "; frame-ancestors 'self'; sandbox";
    static final MediaType HTML = new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8);

    private JobReportPage() {
    }

    static ResponseEntity<String> of(JobView job, FidelityReport report) {
        return ResponseEntity.ok()
                .contentType(HTML)
                .header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .header(HttpHeaders.CACHE_CONTROL, "private, no-cache")
                .body(HtmlReport.render(report, subject(job)));
    }

    static ReportSubject subject(JobView job) {
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("job", job.id().toString());
        if (job.input() != null) {
            facts.put("input file", "%s (%,d bytes)".formatted(job.input().name(), job.input().sizeBytes()));
        }
        CompressionRequest request = job.request();
        if (request != null) {
            facts.put("requested method", request.method());
            if (request.target() != null) {
                facts.put("target", describe(request.target()));
            }
            request.metadata().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> facts.put("metadata." + e.getKey(), e.getValue()));
        }
        if (job.timestamps() != null && job.timestamps().createdAt() != null) {
            facts.put("submitted", job.timestamps().createdAt().toString());
        }
        String file = job.input() == null ? null : job.input().name();
        return new ReportSubject(file == null ? "job " + job.id() : file + " · job " + job.id(), facts);
    }

    private static String describe(CompressionRequest.Target target) {
        Map<String, Object> set = new LinkedHashMap<>();
        for (var component : target.getClass().getRecordComponents()) {
            try {
                Object value = component.getAccessor().invoke(target);
                if (value != null) {
                    set.put(component.getName(), value);
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read the target's " + component.getName(), e);
            }
        }
        return set.isEmpty() ? "none" : set.toString().replaceAll("^\\{|\\}$", "");
    }
}
