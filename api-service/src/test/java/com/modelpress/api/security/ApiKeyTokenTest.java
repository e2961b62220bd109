package com.modelpress.api.security;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ApiKeyTokenTest {

    @Test
    void generatedKeysHaveThePrefixTheirIdAndAreUnique() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            ApiKeyToken.Generated generated = ApiKeyToken.generate();
            assertThat(generated.key()).startsWith("mp_" + generated.id() + "_").hasSize(63);
            assertThat(ApiKeyToken.idOf(generated.key())).contains(generated.id());
            assertThat(seen.add(generated.key())).isTrue();
        }
    }

    @Test
    void onlyTheGeneratedFormatHasAnId() {
        assertThat(ApiKeyToken.idOf("mp_test_admin_0123456789abcdef0123456789abcdef")).isEmpty();
        assertThat(ApiKeyToken.idOf("mp_0123456789ABCDEF_" + "a".repeat(43))).isEmpty();
        assertThat(ApiKeyToken.idOf("mp_0123456789abcdef_" + "a".repeat(42))).isEmpty();
        assertThat(ApiKeyToken.idOf("mp_0123456789abcdef_" + "a".repeat(42) + "=")).isEmpty();
        assertThat(ApiKeyToken.idOf("mp_0123456789abcdef_" + "a-_".repeat(14) + "z")).contains("0123456789abcdef");
    }

    @Test
    void theDigestIsTheSha256OfTheWholeKey() {
        assertThat(ApiKeyToken.sha256Hex("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(ApiKeyToken.sameDigest(ApiKeyToken.sha256("a"), ApiKeyToken.sha256("a"))).isTrue();
        assertThat(ApiKeyToken.sameDigest(ApiKeyToken.sha256("a"), ApiKeyToken.sha256("b"))).isFalse();
    }
}
