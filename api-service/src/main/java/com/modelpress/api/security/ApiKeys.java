package com.modelpress.api.security;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Creates, lists and revokes API keys, and tells who a presented key belongs to. The operator's admin key
 * ({@link AuthProperties#adminKey()}) is kept only as its SHA-256. Thread-safe.
 */
@Component
class ApiKeys {

    private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);
    private static final Pattern OWNER = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    private static final int MAX_NAME = 255;

    private final ApiKeyRepository keys;
    /** Null when no operator admin key is configured. */
    private final byte[] operatorKeySha256;

    ApiKeys(ApiKeyRepository keys, AuthProperties properties) {
        properties.checkAdminKey();
        this.keys = keys;
        this.operatorKeySha256 = properties.adminKey() == null ? null : ApiKeyToken.sha256(properties.adminKey());
    }

    /** The outcome of presenting a key. */
    sealed interface Outcome {
        record Accepted(Caller caller) implements Outcome {}

        /** @param code {@code missing_api_key}, {@code invalid_api_key} or {@code revoked_api_key} */
        record Rejected(String code, String detail) implements Outcome {}
    }

    /**
     * Cheap for garbage: a key without the generated format is refused without a database query; a well-formed one
     * costs one SHA-256 and one primary-key lookup.
     *
     * @param presented nullable: no key was sent
     */
    Outcome authenticate(String presented) {
        if (presented == null || presented.isBlank()) {
            return new Outcome.Rejected("missing_api_key",
                    "This endpoint needs an API key: send 'Authorization: Bearer <key>'");
        }
        byte[] digest = ApiKeyToken.sha256(presented);
        if (operatorKeySha256 != null && ApiKeyToken.sameDigest(digest, operatorKeySha256)) {
            return new Outcome.Accepted(new Caller(AuthenticationFilter.OPERATOR_OWNER, ApiKeyScope.ADMIN,
                    AuthenticationFilter.OPERATOR_KEY_ID));
        }
        Outcome invalid = new Outcome.Rejected("invalid_api_key", "The API key is not valid");
        return ApiKeyToken.idOf(presented)
                .flatMap(keys::findById)
                .<Outcome>map(key -> {
                    if (!ApiKeyToken.sameDigest(digest, HexFormat.of().parseHex(key.keySha256()))) {
                        return invalid;
                    }
                    if (key.revoked()) {
                        return new Outcome.Rejected("revoked_api_key",
                                "The API key %s was revoked at %s".formatted(ApiKeyToken.displayPrefix(key.id()), key.revokedAt()));
                    }
                    return new Outcome.Accepted(new Caller(key.owner(), key.scope(), key.id()));
                })
                .orElse(invalid);
    }

    /** @return the new key's view, with the key itself: the only time it is ever shown */
    @Transactional
    ApiKeyView create(CreateApiKeyRequest request, Caller creator) {
        if (request == null || request.owner() == null || !OWNER.matcher(request.owner()).matches()) {
            throw new InvalidApiKeyRequestException("owner", request == null ? null : request.owner(),
                    "must be 1 to 64 of A-Z a-z 0-9 . _ @ -");
        }
        if (request.name() != null && request.name().length() > MAX_NAME) {
            throw new InvalidApiKeyRequestException("name", request.name().substring(0, 32) + "…",
                    "must be at most %d characters".formatted(MAX_NAME));
        }
        ApiKeyScope scope = request.scope() == null ? ApiKeyScope.USER : request.scope();
        ApiKeyToken.Generated generated = ApiKeyToken.generate();
        ApiKey key = keys.saveAndFlush(new ApiKey(generated.id(), request.owner(), scope,
                request.name() == null || request.name().isBlank() ? null : request.name().strip(),
                ApiKeyToken.sha256Hex(generated.key()), creator.owner()));
        log.info("API key {} ({} scope) created for owner {} by {}", ApiKeyToken.displayPrefix(key.id()),
                scope, key.owner(), creator.keyId());
        return ApiKeyView.from(key).withKey(generated.key());
    }

    /** @param owner nullable: every owner's keys */
    @Transactional(readOnly = true)
    List<ApiKeyView> list(String owner) {
        List<ApiKey> found = owner == null ? keys.findAllByOrderByCreatedAtAscIdAsc()
                : keys.findByOwnerOrderByCreatedAtAscIdAsc(owner);
        return found.stream().map(ApiKeyView::from).toList();
    }

    @Transactional(readOnly = true)
    ApiKeyView get(String id) {
        return keys.findById(id).map(ApiKeyView::from).orElseThrow(() -> new ApiKeyNotFoundException(id));
    }

    /** Idempotent; takes effect on the next request made with the key. */
    @Transactional
    ApiKeyView revoke(String id, Caller revoker) {
        ApiKey key = keys.findById(id).orElseThrow(() -> new ApiKeyNotFoundException(id));
        if (!key.revoked()) {
            key.revoke();
            log.info("API key {} of owner {} revoked by {}", ApiKeyToken.displayPrefix(id), key.owner(), revoker.keyId());
        }
        return ApiKeyView.from(key);
    }

    @EventListener(ApplicationReadyEvent.class)
    void warnWithoutAdmin() {
        if (operatorKeySha256 == null && keys.count() == 0) {
            log.warn("No API key can be used yet: set modelpress.api.auth.admin-key (env MODELPRESS_API_AUTH_ADMIN_KEY) "
                    + "to an admin key of at least {} characters, then create keys with POST /api/v1/api-keys",
                    AuthProperties.MIN_ADMIN_KEY_LENGTH);
        }
    }
}
