package com.modelpress.api.webhook;

import com.modelpress.api.job.InvalidCompressionRequestException.Violation;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The checks a webhook URL and its event filter pass before anything is stored. Thread-safe. */
final class WebhookRules {

    static final int MAX_DESCRIPTION = 255;

    private final WebhookTargets targets;

    WebhookRules(WebhookTargets targets) {
        this.targets = targets;
    }

    /** Adds a violation of {@code field} for each problem of {@code url} (form, DNS, refused addresses). */
    void checkUrl(String field, String url, List<Violation> violations) {
        targets.problems(url).forEach(problem -> violations.add(new Violation(field, problem)));
    }

    /**
     * @param types nullable or empty: {@code whenEmpty}
     * @return the events, or empty after adding a violation of {@code field}
     */
    Optional<Set<WebhookEvent>> events(String field, List<String> types, Set<WebhookEvent> whenEmpty,
                                       List<Violation> violations) {
        if (types == null || types.isEmpty()) {
            return Optional.of(whenEmpty);
        }
        Set<WebhookEvent> events = EnumSet.noneOf(WebhookEvent.class);
        List<String> unknown = new ArrayList<>();
        for (String type : types) {
            WebhookEvent.ofType(type).ifPresentOrElse(events::add, () -> unknown.add(String.valueOf(type)));
        }
        if (!unknown.isEmpty()) {
            violations.add(new Violation(field, "%s: not event types; each must be one of %s"
                    .formatted(unknown, WebhookEvent.TYPES)));
            return Optional.empty();
        }
        return Optional.of(events);
    }
}
