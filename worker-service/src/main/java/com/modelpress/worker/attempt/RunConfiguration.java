package com.modelpress.worker.attempt;

import com.modelpress.engine.evaluation.ExecutionProviderChoice;
import com.modelpress.engine.evaluation.ExecutionProviderSelection;
import com.modelpress.storage.ArtifactStore;
import com.modelpress.worker.WorkerProperties;
import com.modelpress.worker.events.EventPublisher;
import com.modelpress.worker.input.ArchiveExtractor;
import com.modelpress.worker.input.ArchiveLimits;
import com.modelpress.worker.input.InputFetcher;
import com.modelpress.worker.sandbox.Engine;
import com.modelpress.worker.sandbox.InProcessEngine;
import com.modelpress.worker.sandbox.SandboxCommand;
import com.modelpress.worker.sandbox.SandboxedEngine;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

@Configuration(proxyBeanMethods = false)
class RunConfiguration {

    private static final Logger log = LoggerFactory.getLogger(RunConfiguration.class);

    /**
     * The execution provider every job of this process is scored on, chosen once at startup. With
     * {@code modelpress.worker.execution-provider=cuda} and no usable CUDA the context (and the process) fails to
     * start with the reason.
     */
    @Bean
    ExecutionProviderChoice executionProvider(WorkerProperties properties) {
        ExecutionProviderChoice choice = ExecutionProviderSelection.detect(properties.executionProvider());
        log.info("execution provider {} (requested {}): {}", choice.provider(),
                properties.executionProvider().name().toLowerCase(Locale.ROOT), choice.reason());
        return choice;
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
                        CancelledJobs cancelled, ScheduledExecutorService heartbeatScheduler, MeterRegistry meters,
                        ExecutionProviderChoice executionProvider) {
        ArchiveExtractor extractor = new ArchiveExtractor(new ArchiveLimits(properties.maxArchiveEntries(),
                properties.maxArchiveBytes().toBytes(), properties.maxArchiveRatio(), properties.maxArchiveNameLength(),
                Math.toIntExact(properties.maxArchiveHeaderBytes().toBytes())));
        return new JobRunner(properties, workerId(), store, new InputFetcher(store, extractor),
                new ArtifactWriter(store, json), new EventPublisher(rabbit, json, properties.confirmTimeout()),
                cancelled, heartbeatScheduler, engine(properties), Clock.systemUTC(), meters,
                executionProvider.provider());
    }

    private static Engine engine(WorkerProperties properties) {
        WorkerProperties.Sandbox sandbox = properties.sandbox();
        if (!sandbox.enabled()) {
            log.warn("modelpress.worker.sandbox.enabled=false: the engine runs inside the worker's JVM, without a heap "
                    + "limit of its own, and a native crash in it takes the worker down");
            return new InProcessEngine(Clock.systemUTC());
        }
        SandboxCommand command = SandboxCommand.forThisJvm(sandbox);
        log.info("the engine runs in a child JVM per job: max heap {}, {}{}", sandbox.maxHeap(),
                command.bootJar() ? "through the Spring Boot launcher of " : "class path of this JVM",
                command.bootJar() ? System.getProperty("java.class.path") : "");
        return new SandboxedEngine(command, sandbox.maxHeap(), sandbox.stopGrace(), Clock.systemUTC());
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
