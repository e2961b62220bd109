package com.modelpress.api.security;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AuthPropertiesTest {

    @Test
    void aWeakAdminKeyIsRefusedWithoutEchoingIt() {
        for (String weak : new String[] {"changeme", "mp_short_0123456789", "mp_has a space_0123456789abcdef0123456789"}) {
            assertThatThrownBy(() -> new AuthProperties(weak).checkAdminKey())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("at least 32 characters")
                    .hasMessageNotContaining(weak);
        }
        assertThatCode(() -> new AuthProperties("mp_test_admin_0123456789abcdef0123456789abcdef").checkAdminKey())
                .doesNotThrowAnyException();
        assertThat(new AuthProperties(" ").adminKey()).isNull();
        assertThatCode(() -> new AuthProperties(null).checkAdminKey()).doesNotThrowAnyException();
    }
}
