package com.modelpress.api.security;

import com.modelpress.api.problem.FilterProblems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;

/**
 * Authenticates every {@code /api/**} and {@code /actuator/**} request (health excepted: probes need no key;
 * the other management endpoints need an admin key) by its key ({@code Authorization: Bearer <key>}, or
 * {@code X-API-Key: <key>}) and applies the request rate limits, before Spring MVC reads the request body. A missing,
 * invalid or revoked key gets 401 problem+json with {@code WWW-Authenticate}; a user key over its rate, or a client
 * address sending too many requests without a valid key, gets 429 with {@code Retry-After}. The accepted
 * {@link Caller} is a request attribute. Thread-safe.
 */
final class AuthenticationFilter extends OncePerRequestFilter {

    /** Owner of the jobs submitted with the operator's admin key. */
    static final String OPERATOR_OWNER = "admin";
    /** How the operator's admin key appears where a key id would. */
    static final String OPERATOR_KEY_ID = "operator";
    static final String CALLER_ATTRIBUTE = Caller.class.getName();
    static final String API_KEY_HEADER = "X-API-Key";
    private static final String BEARER = "bearer ";

    private final ApiKeys keys;
    private final RateLimiter perKey;
    private final RateLimiter perUnauthenticatedAddress;
    private final JsonMapper json;

    AuthenticationFilter(ApiKeys keys, RateLimiter perKey, RateLimiter perUnauthenticatedAddress, JsonMapper json) {
        this.keys = keys;
        this.perKey = perKey;
        this.perUnauthenticatedAddress = perUnauthenticatedAddress;
        this.json = json;
    }

    /** Management endpoints other than health (metrics, info) need an admin key: they describe every owner's work. */
    static final String ACTUATOR = "/actuator";
    private static final String HEALTH = ACTUATOR + "/health";

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = request.getRequestURI();
        boolean management = path.equals(ACTUATOR) || path.startsWith(ACTUATOR + "/");
        if (management && (path.equals(HEALTH) || path.startsWith(HEALTH + "/"))) {
            chain.doFilter(request, response); // probes need no key
            return;
        }
        switch (keys.authenticate(presentedKey(request))) {
            case ApiKeys.Outcome.Accepted(Caller caller) -> {
                if (management && !caller.admin()) {
                    writeProblem(request, response, HttpStatus.FORBIDDEN, "admin_required",
                            "The management endpoints need an admin key; key %s has the user scope"
                                    .formatted(ApiKeyToken.displayPrefix(caller.keyId())));
                    return;
                }
                if (!caller.admin()) {
                    Duration wait = perKey.acquire(caller.keyId());
                    if (!wait.isZero()) {
                        tooManyRequests(request, response, wait, ("Key %s made more requests than "
                                + "modelpress.api.limits.requests-per-second and request-burst allow; retry after "
                                + "Retry-After seconds").formatted(ApiKeyToken.displayPrefix(caller.keyId())));
                        return;
                    }
                }
                request.setAttribute(CALLER_ATTRIBUTE, caller);
                chain.doFilter(request, response);
            }
            case ApiKeys.Outcome.Rejected(String code, String detail) -> {
                Duration wait = perUnauthenticatedAddress.acquire(request.getRemoteAddr());
                if (!wait.isZero()) {
                    tooManyRequests(request, response, wait, "Too many requests without a valid API key from this "
                            + "address; retry after the Retry-After seconds");
                    return;
                }
                String challenge = code.equals("missing_api_key") ? "Bearer realm=\"modelpress\""
                        : "Bearer realm=\"modelpress\", error=\"invalid_token\"";
                response.setHeader(HttpHeaders.WWW_AUTHENTICATE, challenge);
                writeProblem(request, response, HttpStatus.UNAUTHORIZED, code, detail);
            }
        }
    }

    /** The key of {@code Authorization: Bearer <key>}, else of {@code X-API-Key}; null when neither is sent. */
    static String presentedKey(HttpServletRequest request) {
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.length() > BEARER.length()
                && authorization.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
            return authorization.substring(BEARER.length()).strip();
        }
        String header = request.getHeader(API_KEY_HEADER);
        return header == null ? null : header.strip();
    }

    private void tooManyRequests(HttpServletRequest request, HttpServletResponse response, Duration wait, String detail)
            throws IOException {
        long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
        response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
        writeProblem(request, response, HttpStatus.TOO_MANY_REQUESTS, "rate_limited", detail);
    }

    private void writeProblem(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String code,
                              String detail) throws IOException {
        FilterProblems.write(request, response, json, status, code, detail);
    }
}
