package com.modelpress.api.problem;

/** The {@code code} member of problems, and the codes of failures known only by their HTTP status. */
public final class ProblemCodes {

    public static final String CODE = "code";
    public static final String TYPE_PREFIX = "urn:modelpress:problem:";

    private ProblemCodes() {
    }

    static String forStatus(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 406 -> "not_acceptable";
            case 408 -> "request_timeout";
            case 409 -> "conflict";
            case 413 -> "payload_too_large";
            case 415 -> "unsupported_media_type";
            case 416 -> "range_not_satisfiable";
            case 422 -> "unprocessable";
            case 429 -> "rate_limited";
            case 503 -> "unavailable";
            default -> status >= 500 ? "internal_error" : "client_error";
        };
    }
}
