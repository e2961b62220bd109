package com.modelpress.worker.run;

import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class CrashCountsTest {

    @Test
    void countsCrashesPerJobForgetsEndedJobsAndKeepsOnlyTheLatest() {
        CrashCounts counts = new CrashCounts(2);
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        UUID third = UUID.randomUUID();

        assertThat(counts.record(first)).isEqualTo(1);
        assertThat(counts.record(first)).isEqualTo(2);
        assertThat(counts.record(second)).isEqualTo(1);
        counts.forget(second);
        assertThat(counts.record(second)).as("forgotten").isEqualTo(1);
        assertThat(counts.record(third)).isEqualTo(1);
        assertThat(counts.record(first)).as("the least recently seen job was dropped at capacity 2").isEqualTo(1);
    }
}
