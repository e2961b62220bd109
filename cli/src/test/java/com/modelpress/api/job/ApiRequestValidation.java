package com.modelpress.api.job;

import com.modelpress.contracts.CompressionRequest;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;

/**
 * The API's validation of a compression request's JSON as {@code POST /api/v1/jobs} runs it (read the JSON, then
 * {@link CompressionRequestRules}), opened to the command line's contract test, which lives in another module.
 */
public final class ApiRequestValidation {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ApiRequestValidation() {
    }

    /** @return the violations the API answers in its problem+json {@code errors}, in order; empty when it accepts */
    public static List<InvalidCompressionRequestException.Violation> violations(String requestJson) {
        try {
            CompressionRequestRules.check(JSON.readValue(requestJson, CompressionRequest.class));
            return List.of();
        } catch (InvalidCompressionRequestException e) {
            return e.violations();
        }
    }
}
