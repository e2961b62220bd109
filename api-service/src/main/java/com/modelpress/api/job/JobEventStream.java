package com.modelpress.api.job;

import com.modelpress.api.security.Caller;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Server-Sent Events of jobs: a stream sends the job's events so far, then new ones as they arrive, until the job is
 * terminal (or gone), the client goes away, or {@link ApiProperties#eventStreamTimeout()} passes. Each SSE event is
 * named after the event type and has id {@code attempt-sequence}; a comment line every
 * {@link ApiProperties#eventStreamKeepAlive()} keeps proxies from closing a quiet stream and finds clients that left.
 *
 * <p>One poller serves every stream: each {@link ApiProperties#eventPollInterval()} it reads the statuses of the
 * streamed jobs, the newest arrival number and the events of streamed jobs that arrived since its last look — three
 * queries however many streams are open — and one query for each stream opened since (its history). Sending happens
 * on a virtual thread per stream, so a client that reads slowly holds up only its own stream. Streams are capped:
 * {@link ApiProperties#maxEventStreamsPerKey()} per API key ({@code 429 too_many_event_streams} beyond) and
 * {@link ApiProperties#maxEventStreams()} in all ({@code 503 event_streams_unavailable} beyond); nothing polls while
 * no stream is open.
 *
 * <p>Thread-safe.
 */
@Component
class JobEventStream implements InitializingBean, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(JobEventStream.class);

    private final JobEventLog eventLog;
    private final JdbcClient jdbc;
    private final TaskScheduler scheduler;
    private final ApiProperties properties;
    private final Clock clock;
    private final ExecutorService senders = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("event-stream-", 0).factory());

    /** Streams that opened since the poller's last tick: it sends their history first. */
    private final Queue<Stream> opened = new ConcurrentLinkedQueue<>();
    /** Streams whose history was queued; the poller's thread only. */
    private final Set<Stream> live = new HashSet<>();
    /** Open streams per key id, and in all: guarded by {@code this}. */
    private final Map<String, Integer> perKey = new HashMap<>();
    private int total;
    /** The newest arrival number the poller has handed out, -1 while no stream is open; the poller's thread only. */
    private long cursor = -1;
    private ScheduledFuture<?> poller;

    JobEventStream(JobEventLog eventLog, JdbcClient jdbc, TaskScheduler scheduler, ApiProperties properties,
                   MeterRegistry meters) {
        this.eventLog = eventLog;
        this.jdbc = jdbc;
        this.scheduler = scheduler;
        this.properties = properties;
        this.clock = Clock.systemUTC();
        Gauge.builder("modelpress.api.event.streams", this, JobEventStream::openStreams)
                .description("open Server-Sent Events streams of job events").register(meters);
    }

    @Override
    public void afterPropertiesSet() {
        poller = scheduler.scheduleWithFixedDelay(this::tick, properties.eventPollInterval());
    }

    @Override
    public void destroy() {
        if (poller != null) {
            poller.cancel(false);
        }
        senders.shutdownNow();
    }

    /**
     * Opens a stream of the job's events for the caller (who may see the job).
     *
     * @throws EventStreamLimitException when the caller's key, or the API, has as many streams open as allowed
     */
    SseEmitter open(UUID jobId, Caller caller) {
        reserve(caller.keyId());
        SseEmitter emitter = new SseEmitter(properties.eventStreamTimeout().toMillis());
        Stream stream = new Stream(jobId, caller.keyId(), emitter);
        emitter.onCompletion(stream::close);
        emitter.onError(error -> stream.close());
        emitter.onTimeout(() -> {
            log.debug("event stream of job {} timed out after {}", jobId, properties.eventStreamTimeout());
            stream.close();
            emitter.complete();
        });
        opened.add(stream);
        return emitter;
    }

    /** Open streams in all. */
    synchronized int openStreams() {
        return total;
    }

    private synchronized void reserve(String keyId) {
        int mine = perKey.getOrDefault(keyId, 0);
        if (mine >= properties.maxEventStreamsPerKey()) {
            throw EventStreamLimitException.perKey(keyId, mine, properties.maxEventStreamsPerKey());
        }
        if (total >= properties.maxEventStreams()) {
            throw EventStreamLimitException.total(total, properties.maxEventStreams());
        }
        perKey.merge(keyId, 1, Integer::sum);
        total++;
    }

    private synchronized void release(String keyId) {
        perKey.computeIfPresent(keyId, (key, count) -> count == 1 ? null : count - 1);
        total--;
    }

    /** One look at the database for every open stream. Runs on the scheduler's thread, never twice at once. */
    private void tick() {
        List<Stream> fresh = new ArrayList<>();
        for (Stream stream; (stream = opened.poll()) != null; ) {
            fresh.add(stream);
        }
        live.removeIf(Stream::closed);
        fresh.removeIf(Stream::closed);
        if (live.isEmpty() && fresh.isEmpty()) {
            cursor = -1;
            return;
        }
        try {
            Set<UUID> jobIds = new HashSet<>();
            live.forEach(stream -> jobIds.add(stream.jobId));
            fresh.forEach(stream -> jobIds.add(stream.jobId));
            // statuses first: the event that ended a job was committed with its status, so the read below sees it
            Set<UUID> running = runningJobs(jobIds);
            long newest = eventLog.newest();
            if (cursor >= 0 && newest > cursor && !live.isEmpty()) {
                Set<UUID> liveJobs = new HashSet<>();
                live.forEach(stream -> liveJobs.add(stream.jobId));
                Map<UUID, List<JobEventLog.Entry>> arrived = eventLog.between(liveJobs, cursor, newest);
                for (Stream stream : live) {
                    stream.queue(arrived.getOrDefault(stream.jobId, List.of()));
                }
            }
            for (Stream stream : fresh) {
                stream.queue(eventLog.upTo(stream.jobId, newest));
                live.add(stream);
            }
            fresh.clear();
            cursor = newest;
            Instant quietSince = clock.instant().minus(properties.eventStreamKeepAlive());
            for (Stream stream : live) {
                if (!running.contains(stream.jobId)) {
                    stream.finish();
                } else if (stream.quietSince(quietSince)) {
                    stream.keepAlive();
                }
            }
        } catch (RuntimeException e) {
            // the database is away, say: every stream stays open and the next tick looks again (what was queued is
            // not queued twice)
            log.warn("event streams could not be served this time: {}", e.toString());
            opened.addAll(fresh);
        }
    }

    /** The jobs among {@code jobIds} that exist and have not ended. */
    private Set<UUID> runningJobs(Set<UUID> jobIds) {
        List<String> terminal = Arrays.stream(JobStatus.values()).filter(JobStatus::isTerminal)
                .map(Enum::name).toList();
        return new HashSet<>(jdbc.sql("select id from jobs where id in (:ids) and status not in (:terminal) and deleted_at is null")
                .param("ids", jobIds)
                .param("terminal", terminal)
                .query(UUID.class)
                .list());
    }

    /**
     * One client's stream. The poller queues events (each once, in arrival order) and asks for the end; a virtual
     * thread sends what is queued, one batch at a time, so that sends of one stream never overlap.
     */
    private final class Stream {

        private final UUID jobId;
        private final String keyId;
        private final SseEmitter emitter;
        private final Queue<JobEventLog.Entry> pending = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean sending = new AtomicBoolean();
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile boolean finishing;
        private volatile boolean keepAlive;
        private volatile Instant lastSent;
        /** The newest arrival number queued; the poller's thread only. */
        private long queuedUpTo;

        Stream(UUID jobId, String keyId, SseEmitter emitter) {
            this.jobId = jobId;
            this.keyId = keyId;
            this.emitter = emitter;
            this.lastSent = clock.instant();
        }

        boolean closed() {
            return closed.get();
        }

        boolean quietSince(Instant instant) {
            return lastSent.isBefore(instant);
        }

        void queue(List<JobEventLog.Entry> entries) {
            for (JobEventLog.Entry entry : entries) {
                if (entry.receivedId() > queuedUpTo) {
                    pending.add(entry);
                    queuedUpTo = entry.receivedId();
                }
            }
            if (!pending.isEmpty()) {
                schedule();
            }
        }

        /** Sends what is queued, then ends the stream. */
        void finish() {
            finishing = true;
            schedule();
        }

        void keepAlive() {
            keepAlive = true;
            schedule();
        }

        /** Frees the stream's place; idempotent. */
        void close() {
            if (closed.compareAndSet(false, true)) {
                release(keyId);
            }
        }

        private void schedule() {
            if (!closed() && sending.compareAndSet(false, true)) {
                try {
                    senders.execute(this::send);
                } catch (RejectedExecutionException shuttingDown) {
                    sending.set(false);
                    close();
                }
            }
        }

        private void send() {
            try {
                for (JobEventLog.Entry entry; (entry = pending.poll()) != null; ) {
                    JobEventView event = entry.event();
                    emitter.send(SseEmitter.event()
                            .id(event.attempt() + "-" + event.sequence())
                            .name(event.type())
                            .data(event, MediaType.APPLICATION_JSON));
                    lastSent = clock.instant();
                }
                if (keepAlive) {
                    keepAlive = false;
                    emitter.send(SseEmitter.event().comment("keep-alive"));
                    lastSent = clock.instant();
                }
                if (finishing) {
                    close();
                    emitter.complete();
                    return;
                }
            } catch (IOException | IllegalStateException e) {
                // the client went away, or the stream already ended
                log.debug("event stream of job {} closed: {}", jobId, e.toString());
                close();
                return;
            } finally {
                sending.set(false);
            }
            if (!pending.isEmpty() || finishing || keepAlive) {
                schedule(); // queued while this batch was going out
            }
        }
    }
}
