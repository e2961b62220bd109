package com.modelpress.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalApiKeyTest {

    @TempDir
    Path data;

    @Test
    void theFirstStartCreatesAnOwnerOnlyKeyFileThatLaterStartsReuse() throws IOException {
        LocalApiKey first = LocalApiKey.resolve(data, null);
        assertThat(first.created()).isTrue();
        assertThat(first.key()).startsWith("mp_local_").hasSize("mp_local_".length() + 43);
        assertThat(first.file()).isEqualTo(data.resolve("api-key"));
        assertThat(Files.readString(first.file())).isEqualTo(first.key() + "\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(first.file()))).isEqualTo("rw-------");

        LocalApiKey again = LocalApiKey.resolve(data, null);
        assertThat(again.created()).isFalse();
        assertThat(again.key()).isEqualTo(first.key());
        assertThat(LocalApiKey.resolve(data.resolve("elsewhere"), null).key()).isNotEqualTo(first.key());
    }

    @Test
    void aGivenKeyReplacesTheStoredOneAndMustBeLongEnough() throws IOException {
        LocalApiKey.resolve(data, null);
        String known = "mp_known_key_for_this_machine_0123456789";
        LocalApiKey given = LocalApiKey.resolve(data, known);
        assertThat(given.created()).isFalse();
        assertThat(LocalApiKey.resolve(data, null).key()).isEqualTo(known);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(given.file()))).isEqualTo("rw-------");

        assertThatThrownBy(() -> LocalApiKey.resolve(data, "short")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32");
        assertThatThrownBy(() -> LocalApiKey.resolve(data, "mp_has a space_0123456789abcdef0123456789"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(LocalApiKey.resolve(data, null).key()).isEqualTo(known);
    }
}
