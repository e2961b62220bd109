package com.modelpress.api.security;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a key may do: {@code user} keys see and change their owner's jobs; {@code admin} keys see every job and manage keys. */
public enum ApiKeyScope {
    @JsonProperty("user") USER,
    @JsonProperty("admin") ADMIN
}
