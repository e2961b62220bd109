package com.modelpress.worker.run;

import ai.onnxruntime.OrtEnvironment;
import com.modelpress.storage.ArtifactStore;
import com.modelpress.worker.WorkerProperties;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

@Configuration(proxyBeanMethods = false)
class RunConfiguration {

    /**
     * ONNX Runtime's environment, created at start-up rather than inside the first job: creating it registers a JVM
     * shutdown hook, which throws once shutdown has begun, so a first job still before its first ONNX Runtime call
     * at SIGTERM failed instead of finishing within the grace period. Not closed by Spring: a job may still use it
     * while the context closes.
     */
    @Bean(destroyMethod = "")
    OrtEnvironment ortEnvironment() {
        return OrtEnvironment.getEnvironment();
    }

    @Bean
    CancelledJobs cancelledJobs(WorkerProperties properties) {
        return new CancelledJobs(properties.cancelMemory(), properties.cancelMemorySize(), Clock.systemUTC());
    }

    @Bean(destroyMethod = "shutdownNow")
    ScheduledExecutorService heartbeatScheduler() {
        return Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("heartbeat").daemon().factory());
    }

    @Bean
    JobRunner jobRunner(WorkerProperties properties, ArtifactStore store, RabbitTemplate rabbit, JsonMapper json,
                        CancelledJobs cancelled, ScheduledExecutorService heartbeatScheduler, MeterRegistry meters) {
        ArchiveExtractor extractor = new ArchiveExtractor(new ArchiveLimits(properties.maxArchiveEntries(),
                properties.maxArchiveBytes().toBytes(), properties.maxArchiveRatio()));
        return new JobRunner(properties, workerId(), store, new InputFetcher(store, extractor),
                new ArtifactWriter(store, json), new EventPublisher(rabbit, json, properties.confirmTimeout()),
                cancelled, heartbeatScheduler, Clock.systemUTC(), meters);
    }

    /** {@code host/pid/random}: tells the operator which process ran an attempt. */
    private static String workerId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return "%s/%d/%s".formatted(host, ProcessHandle.current().pid(), UUID.randomUUID().toString().substring(0, 8));
    }
}
