package com.modelpress.worker.intake;

import com.modelpress.contracts.job.Topology;
import com.modelpress.worker.WorkerProperties;
import com.modelpress.worker.attempt.CancelledJobs;
import com.modelpress.worker.attempt.JobRunner;
import org.springframework.amqp.core.AcknowledgeMode;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import io.micrometer.observation.ObservationRegistry;
import tools.jackson.databind.json.JsonMapper;

import java.util.Map;

@Configuration(proxyBeanMethods = false)
class IntakeConfiguration {

    /**
     * Consumer argument that lifts the broker's delivery acknowledgement timeout (default 30 min) for this
     * consumer, so a long job does not get its channel closed. Honoured by RabbitMQ 3.12+ (and 3.11.15+);
     * older brokers ignore it and need {@code consumer_timeout} raised in {@code rabbitmq.conf}.
     */
    static final String CONSUMER_TIMEOUT = "x-consumer-timeout";

    @Bean
    SimpleMessageListenerContainer jobListenerContainer(ConnectionFactory connectionFactory, JobRunner runner,
                                                        JsonMapper json, WorkerProperties properties,
                                                        TracingProperties tracing,
                                                        ObjectProvider<ObservationRegistry> observations) {
        SimpleMessageListenerContainer container = new SimpleMessageListenerContainer(connectionFactory);
        // with tracing on, each delivery continues the trace in its headers (the outbox put the submit's trace there)
        container.setObservationEnabled(tracing.enabled());
        container.setQueueNames(Topology.JOBS_QUEUE);
        container.setAcknowledgeMode(AcknowledgeMode.MANUAL);
        container.setPrefetchCount(1);
        container.setConcurrentConsumers(properties.concurrency());
        container.setConsumerArguments(Map.of(CONSUMER_TIMEOUT, properties.jobTimeout().toMillis()));
        container.setDefaultRequeueRejected(false);
        // SIGTERM: stop taking jobs, let the running one finish for this long, then close the channel so the broker
        // hands its unacknowledged job to another worker (spring.lifecycle.timeout-per-shutdown-phase follows it)
        container.setShutdownTimeout(properties.shutdownGracePeriod().toMillis());
        container.setMessageListener(new JobListener(runner, json, tracing.enabled()
                ? observations.getIfAvailable(() -> ObservationRegistry.NOOP) : ObservationRegistry.NOOP));
        return container;
    }

    @Bean
    SimpleMessageListenerContainer cancelListenerContainer(ConnectionFactory connectionFactory, Queue cancelQueue,
                                                           CancelledJobs cancelled, JsonMapper json) {
        SimpleMessageListenerContainer container = new SimpleMessageListenerContainer(connectionFactory);
        container.setQueues(cancelQueue);
        container.setAcknowledgeMode(AcknowledgeMode.AUTO);
        container.setDefaultRequeueRejected(false);
        container.setMessageListener(new CancelListener(cancelled, json));
        return container;
    }
}
