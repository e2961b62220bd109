package com.modelpress.api.webhook;

import com.modelpress.api.job.JobChanged;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The event types a webhook can receive; {@link #type()} is the {@code type} of the payload. */
enum WebhookEvent {
    SUCCEEDED("job.succeeded"),
    FAILED("job.failed"),
    CANCELLED("job.cancelled"),
    /** Throttled: at most one per {@code modelpress.webhooks.progress-interval} per job and receiver. */
    PROGRESS("job.progress");

    /** What a job's own webhook gets when its request names no events. */
    static final Set<WebhookEvent> TERMINAL = Set.of(SUCCEEDED, FAILED, CANCELLED);
    static final List<String> TYPES = Arrays.stream(values()).map(WebhookEvent::type).toList();

    private final String type;

    WebhookEvent(String type) {
        this.type = type;
    }

    String type() {
        return type;
    }

    static Optional<WebhookEvent> ofType(String type) {
        return Arrays.stream(values()).filter(event -> event.type.equals(type)).findFirst();
    }

    static WebhookEvent of(JobChanged.Change change) {
        return switch (change) {
            case SUCCEEDED -> SUCCEEDED;
            case FAILED -> FAILED;
            case CANCELLED -> CANCELLED;
            case PROGRESS -> PROGRESS;
        };
    }
}
