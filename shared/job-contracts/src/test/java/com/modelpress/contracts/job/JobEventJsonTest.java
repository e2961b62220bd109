package com.modelpress.contracts.job;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class JobEventJsonTest {

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void eventsRoundTripWithTheirTypeName() {
        UUID job = UUID.randomUUID();
        Instant at = Instant.parse("2026-11-27T12:00:00Z");
        List<JobEvent> events = List.of(
                new JobEvent.Started(job, 1, 1, at, "worker-1"),
                new JobEvent.Progress(job, 1, 2, at, "compress", 0.5, null),
                new JobEvent.Heartbeat(job, 1, 3, at),
                new JobEvent.Failed(job, 1, 4, at, "invalid_model", "not ONNX", false),
                new JobEvent.Cancelled(job, 2, 1, at),
                new JobEvent.Succeeded(job, 2, 2, at, List.of(new ArtifactRef("model.onnx", "jobs/x/attempt-2/model.onnx",
                        10, "ab", "application/octet-stream")), null));
        for (JobEvent event : events) {
            String text = json.writerFor(JobEvent.class).writeValueAsString(event);
            assertThat(json.readValue(text, JobEvent.class)).isEqualTo(event);
        }
        assertThat(json.writerFor(JobEvent.class).writeValueAsString(events.get(2))).contains("\"type\":\"heartbeat\"");
    }
}
