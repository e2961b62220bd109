package com.modelpress.api.dashboard;

import io.swagger.v3.oas.annotations.Hidden;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The dashboard's page (its views are client-side routes after {@code #}) and the report viewer its job page frames.
 */
@Controller
@Hidden
class DashboardController {

    static final String PAGE_ALIAS = "/index.html";
    private static final MediaType HTML = new MediaType(MediaType.TEXT_HTML, java.nio.charset.StandardCharsets.UTF_8);
    static final String REPORT_VIEWER = "/report-frame.html";
    private static final Resource PAGE = new ClassPathResource("com/modelpress/api/dashboard/index.html");
    private static final Resource VIEWER = new ClassPathResource("com/modelpress/api/dashboard/report-frame.html");

    @GetMapping(path = {"/", PAGE_ALIAS}, produces = MediaType.TEXT_HTML_VALUE)
    ResponseEntity<Resource> page() {
        return html(PAGE);
    }

    @GetMapping(path = REPORT_VIEWER, produces = MediaType.TEXT_HTML_VALUE)
    ResponseEntity<Resource> reportViewer() {
        return html(VIEWER);
    }

    private static ResponseEntity<Resource> html(Resource page) {
        return ResponseEntity.ok().cacheControl(CacheControl.noCache()).contentType(HTML).body(page);
    }
}
