package com.modelpress.cli;

import java.net.URI;

/**
 * The server answered with an HTTP error; its RFC 9457 problem members when the body was {@code problem+json}.
 * Members the server did not send are null.
 */
final class ApiProblemException extends RuntimeException {

    private final int status;
    private final String title;
    private final String detail;
    private final String code;

    ApiProblemException(String method, URI uri, int status, String title, String detail, String code) {
        super(describe(method, uri, status, title, detail, code));
        this.status = status;
        this.title = title;
        this.detail = detail;
        this.code = code;
    }

    int status() {
        return status;
    }

    boolean isClientError() {
        return status >= 400 && status < 500;
    }

    /** 401 (no valid API key) or 403 (the key may not do this). */
    boolean isAuthenticationFailure() {
        return status == 401 || status == 403;
    }

    /** 429: the key's request rate or its owner's active-job limit; worth retrying later, not a bad model. */
    boolean isLimited() {
        return status == 429;
    }

    /** Nullable: the problem's stable code. */
    String code() {
        return code;
    }

    /** One line: {@code title: detail (code)}, or the HTTP status when the body said nothing. */
    String problemLine() {
        StringBuilder line = new StringBuilder(title == null ? "HTTP " + status : title);
        if (detail != null && !detail.isBlank()) {
            line.append(": ").append(detail.strip().replaceAll("\\s*\\R\\s*", " "));
        }
        if (code != null && !code.isBlank()) {
            line.append(" (").append(code).append(')');
        }
        return line.toString();
    }

    private static String describe(String method, URI uri, int status, String title, String detail, String code) {
        String summary = title == null ? "" : " " + title + (detail == null ? "" : ": " + detail)
                + (code == null ? "" : " (" + code + ")");
        return "%s %s answered %d%s".formatted(method, uri, status, summary);
    }
}
