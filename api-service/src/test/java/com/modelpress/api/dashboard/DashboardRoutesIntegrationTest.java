package com.modelpress.api.dashboard;

import com.modelpress.api.support.ApiClient;
import com.modelpress.api.support.ApiIntegrationTest;
import com.modelpress.api.support.RawHttp;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;

import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard's files are served without a key and behind a strict policy, and serving them opens nothing else:
 * every API and management path still needs a key, however its URL is spelled.
 */
class DashboardRoutesIntegrationTest extends ApiIntegrationTest {

    @Test
    void thePageAndItsAssetsNeedNoKeyAndCarryTheSecurityHeaders() {
        ApiClient anonymous = api.withKey(null);
        for (String path : List.of("/", "/index.html", "/assets/app.js", "/assets/api.js", "/assets/sse.js",
                "/assets/jobs.js", "/assets/job.js", "/assets/submit.js", "/assets/dom.js", "/assets/app.css",
                "/assets/report-frame.js", "/assets/report-frame.css")) {
            ApiClient.Response response = anonymous.get(path);
            assertThat(response.status()).as(path).isEqualTo(200);
            String policy = response.header("Content-Security-Policy");
            assertThat(policy).as(path).contains("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'",
                    "connect-src 'self'", "object-src 'none'", "base-uri 'none'");
            assertThat(policy).as("no inline script or eval on %s", path).doesNotContain("unsafe-inline", "unsafe-eval");
            assertThat(response.header("X-Frame-Options")).as(path).isEqualTo("DENY");
            assertThat(response.header("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
            assertThat(response.header("Referrer-Policy")).as(path).isEqualTo("no-referrer");
            assertThat(response.header(HttpHeaders.CACHE_CONTROL)).as(path).isEqualTo("no-cache");
        }
        // the report viewer: framed by the dashboard only; inline styles (the report's) but still no inline script
        ApiClient.Response viewer = anonymous.get("/report-frame.html");
        assertThat(viewer.status()).isEqualTo(200);
        assertThat(viewer.header("X-Frame-Options")).isEqualTo("SAMEORIGIN");
        assertThat(viewer.header("Content-Security-Policy")).contains("default-src 'none'", "script-src 'self';",
                "frame-src blob:", "frame-ancestors 'self'").doesNotContain("unsafe-eval", "connect-src");
        assertThat(viewer.text()).contains("sandbox=\"\"").doesNotContain("<script>");

        ApiClient.Response page = anonymous.get("/");
        assertThat(page.header(HttpHeaders.CONTENT_TYPE)).isEqualTo("text/html;charset=UTF-8");
        assertThat(page.text()).contains("<script type=\"module\" src=\"/assets/app.js\"></script>")
                .doesNotContain("http://", "https://", "<script>", "onclick=", "onload=", "style=");
        assertThat(anonymous.get("/assets/app.js").header(HttpHeaders.CONTENT_TYPE)).startsWith("text/javascript");
        assertThat(anonymous.get("/assets/app.css").header(HttpHeaders.CONTENT_TYPE)).startsWith("text/css");
        // the policy is the dashboard's: the API's answers are not made into pages
        assertThat(api.get("/api/v1/jobs").header("Content-Security-Policy")).isNull();
    }

    @Test
    void theDashboardOpensNoApiPathWithoutAKey() throws IOException {
        RawHttp raw = new RawHttp(port);
        // spellings of API and management paths a client might try past a path-based rule; each must be refused
        // (401 without a key; 400 or 404 where the server does not take the spelling as that path at all)
        List<String> paths = List.of("/api/v1/jobs", "/api/v1/jobs/", "//api/v1/jobs", "/./api/v1/jobs",
                "/assets/../api/v1/jobs", "/assets/%2e%2e/api/v1/jobs", "/assets/..%2fapi/v1/jobs",
                "/index.html/../api/v1/jobs", "/api;x=1/v1/jobs", "/%61pi/v1/jobs", "/API/v1/jobs",
                "/assets/app.js/..;/../api/v1/jobs", "/..;/api/v1/jobs", "/assets//../../api/v1/jobs",
                "/api/v1/keys", "/assets/../api/v1/keys", "/api/v1/webhooks", "/actuator/prometheus",
                "//actuator/prometheus", "/assets/../actuator/prometheus", "/assets/../actuator/env");
        for (String path : paths) {
            RawHttp.Answer answer = raw.sendPartOfBody("GET", path, 0, 0, (byte) 0);
            assertThat(answer.status()).as("GET %s without a key", path).isIn(400, 401, 404);
            assertThat(answer.body()).as("GET %s without a key", path).doesNotContain("\"items\"", "\"keys\"");
        }
        // and the assets folder serves the dashboard's files only, never a file from elsewhere on the class path
        for (String path : List.of("/assets/../api-defaults.properties", "/assets/%2e%2e/index.html/..%2f..%2fapplication.properties",
                "/assets/../../com/modelpress/api/api-defaults.properties", "/assets/db/migration/V1__jobs_events_artifacts_outbox.sql",
                "/assets/../db/migration/V1__jobs_events_artifacts_outbox.sql", "/assets/../com/modelpress/api/dashboard/index.html")) {
            RawHttp.Answer answer = raw.sendPartOfBody("GET", path, 0, 0, (byte) 0);
            assertThat(answer.status()).as("GET %s", path).isNotEqualTo(200);
        }
    }
}
