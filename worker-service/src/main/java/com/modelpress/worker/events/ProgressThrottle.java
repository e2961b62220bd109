package com.modelpress.worker.events;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides which progress updates become events: at most one per {@code interval} per step, but always a
 * step's first update and its last (fraction 1, or the latest one when the next step starts or the run ends).
 * A repeat of the update sent last is dropped.
 *
 * <p>Not thread-safe; one instance per attempt.
 */
public final class ProgressThrottle {

    public record Update(String step, double fraction) {}

    private final Duration interval;
    private Update sent;
    private Instant sentAt;
    private Update pending;

    public ProgressThrottle(Duration interval) {
        this.interval = interval;
    }

    /** @return the updates to publish now, in order (none, one, or the previous step's last and this one) */
    public List<Update> offer(String step, double fraction, Instant now) {
        Update update = new Update(step, Math.clamp(fraction, 0.0, 1.0));
        List<Update> due = new ArrayList<>(2);
        if (sent == null || !sent.step().equals(step)) {
            flush().ifPresent(due::add);
            due.add(markSent(update, now));
        } else if (update.equals(sent)) {
            pending = null;
        } else if (update.fraction() >= 1.0 || !now.isBefore(sentAt.plus(interval))) {
            due.add(markSent(update, now));
        } else {
            pending = update;
        }
        return due;
    }

    /** @return the update held back last, if any, which is then considered sent */
    public Optional<Update> flush() {
        Update last = pending;
        pending = null;
        if (last != null) {
            sent = last;
        }
        return Optional.ofNullable(last);
    }

    private Update markSent(Update update, Instant now) {
        sent = update;
        sentAt = now;
        pending = null;
        return update;
    }
}
