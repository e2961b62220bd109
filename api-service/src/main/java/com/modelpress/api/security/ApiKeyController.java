package com.modelpress.api.security;

import com.modelpress.api.web.ProblemResponses;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.net.URI;
import java.util.List;

@RestController
@RequestMapping(ApiKeyController.BASE)
@Tag(name = "api-keys", description = "Admin only: create API keys for owners, list them, revoke them")
class ApiKeyController {

    static final String BASE = "/api/v1/api-keys";

    private final ApiKeys keys;

    ApiKeyController(ApiKeys keys) {
        this.keys = keys;
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Create an API key for an owner (admin)",
            description = "The answer carries the key itself in 'key': the only time it is shown. Only its SHA-256 "
                    + "is stored. Jobs submitted with it belong to 'owner'; scope 'user' (default) sees only those, "
                    + "scope 'admin' sees every job and manages keys.")
    @ApiResponse(responseCode = "201", description = "Created; 'key' holds the key")
    @ProblemResponses({400, 403})
    ResponseEntity<ApiKeyView> create(@RequestBody CreateApiKeyRequest request, Caller caller) {
        caller.requireAdmin();
        ApiKeyView created = keys.create(request, caller);
        return ResponseEntity.status(HttpStatus.CREATED).location(URI.create(BASE + "/" + created.id())).body(created);
    }

    @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "API keys, oldest first, without their secrets (admin)")
    @ProblemResponses({400, 403})
    List<ApiKeyView> list(@Parameter(description = "Only this owner's keys") @RequestParam(required = false) String owner,
                          Caller caller) {
        caller.requireAdmin();
        return keys.list(owner);
    }

    @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "One API key, without its secret (admin)")
    @ProblemResponses({403, 404})
    ApiKeyView get(@PathVariable String id, Caller caller) {
        caller.requireAdmin();
        return keys.get(id);
    }

    @DeleteMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Revoke an API key (admin, idempotent)",
            description = "Requests with the key are refused (401 revoked_api_key) from then on; its jobs stay.")
    @ApiResponse(responseCode = "200", description = "The key, with revokedAt")
    @ProblemResponses({403, 404})
    ApiKeyView revoke(@PathVariable String id, Caller caller) {
        caller.requireAdmin();
        return keys.revoke(id, caller);
    }
}
