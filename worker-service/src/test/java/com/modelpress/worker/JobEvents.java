package com.modelpress.worker;

import com.modelpress.contracts.job.JobEvent;

import java.util.List;

/** Helpers for asserting on event streams. */
final class JobEvents {

    private JobEvents() {
    }

    static boolean isTerminal(JobEvent event) {
        return switch (event) {
            case JobEvent.Succeeded s -> true;
            case JobEvent.Failed f -> true;
            case JobEvent.Cancelled c -> true;
            case JobEvent.Started s -> false;
            case JobEvent.Progress p -> false;
            case JobEvent.Heartbeat h -> false;
        };
    }

    static <T extends JobEvent> List<T> ofType(List<JobEvent> events, Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    static List<JobEvent.Progress> progress(List<JobEvent> events, String step) {
        return ofType(events, JobEvent.Progress.class).stream().filter(p -> p.step().equals(step)).toList();
    }
}
