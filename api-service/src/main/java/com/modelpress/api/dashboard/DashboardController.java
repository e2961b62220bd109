package com.modelpress.api.dashboard;

import io.swagger.v3.oas.annotations.Hidden;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/** The dashboard's one page; its views are client-side routes after {@code #}. */
@Controller
@Hidden
class DashboardController {

    static final String PAGE_ALIAS = "/index.html";
    private static final MediaType HTML = new MediaType(MediaType.TEXT_HTML, java.nio.charset.StandardCharsets.UTF_8);
    private static final Resource PAGE = new ClassPathResource("com/modelpress/api/dashboard/index.html");

    @GetMapping(path = {"/", PAGE_ALIAS}, produces = MediaType.TEXT_HTML_VALUE)
    ResponseEntity<Resource> page() {
        return ResponseEntity.ok().cacheControl(CacheControl.noCache()).contentType(HTML).body(PAGE);
    }
}
