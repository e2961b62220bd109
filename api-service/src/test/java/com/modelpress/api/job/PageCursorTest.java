package com.modelpress.api.job;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PageCursorTest {

    @Test
    void roundTripsThroughItsOpaqueForm() {
        PageCursor cursor = new PageCursor(Instant.parse("2026-11-27T21:18:33.029171Z"), UUID.randomUUID());
        String encoded = cursor.encode();
        assertThat(encoded).doesNotContain("2026").matches("[A-Za-z0-9_-]+");
        assertThat(PageCursor.decode(encoded)).isEqualTo(cursor);
    }

    @Test
    void refusesWhatItDidNotMake() {
        for (String bad : new String[]{"garbage!", "", "bm8tYmFy", "MjAyNnxub3QtYS11dWlk"}) {
            assertThatThrownBy(() -> PageCursor.decode(bad)).isInstanceOf(InvalidCursorException.class);
        }
    }
}
