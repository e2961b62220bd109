package com.modelpress.api.dashboard;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;

/**
 * The security headers of the dashboard's responses, set before the response is written. The policy allows scripts
 * and styles from this origin only (no inline script, no {@code eval}), network calls to this origin only, frames of
 * this origin only (the report viewer), and no framing of the dashboard by anyone. The report viewer
 * ({@value DashboardController#REPORT_VIEWER}) has a policy of its own: the report it shows from a {@code blob:} URL
 * takes the viewer's policy, which lets the report's inline styles apply; it is framed by the dashboard only, and it
 * runs no inline script either. Thread-safe.
 */
final class DashboardHeadersFilter extends OncePerRequestFilter {

    static final String CONTENT_SECURITY_POLICY = String.join("; ",
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "connect-src 'self'",
            "frame-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
            "frame-ancestors 'none'");

    static final String REPORT_VIEWER_POLICY = String.join("; ",
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src data: blob:",
            "font-src data:",
            "frame-src blob:",
            "form-action 'none'",
            "base-uri 'none'",
            "object-src 'none'",
            "frame-ancestors 'self'");

    /** Only the dashboard's own paths: the API, Swagger UI and the reports have headers of their own. */
    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI();
        return !(path.equals("/") || path.equals(DashboardController.PAGE_ALIAS)
                || path.equals(DashboardController.REPORT_VIEWER) || path.startsWith(DashboardConfiguration.ASSETS));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        boolean viewer = request.getRequestURI().equals(DashboardController.REPORT_VIEWER);
        response.setHeader("Content-Security-Policy", viewer ? REPORT_VIEWER_POLICY : CONTENT_SECURITY_POLICY);
        response.setHeader("X-Frame-Options", viewer ? "SAMEORIGIN" : "DENY");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("Cross-Origin-Opener-Policy", "same-origin");
        response.setHeader("Cross-Origin-Resource-Policy", "same-origin");
        response.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
        chain.doFilter(request, response);
    }
}
