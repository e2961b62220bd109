package com.modelpress.api.problem;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Problem+json answers written by servlet filters, which run before Spring MVC (and its exception handlers) and must
 * answer without reading the request: the same members and {@code code} convention as {@code ApiProblemHandler}.
 */
public final class FilterProblems {

    private FilterProblems() {
    }

    /** Sets status and content type and writes the problem; the request body stays unread. */
    public static void write(HttpServletRequest request, HttpServletResponse response, JsonMapper json, HttpStatus status,
                             String code, String detail) throws IOException {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", ProblemCodes.TYPE_PREFIX + code);
        problem.put("title", status.getReasonPhrase());
        problem.put("status", status.value());
        problem.put("detail", detail);
        problem.put("instance", request.getRequestURI());
        problem.put(ProblemCodes.CODE, code);
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.getOutputStream().write(json.writeValueAsBytes(problem));
    }
}
