package com.modelpress.worker.intake;

import com.modelpress.contracts.job.Topology;
import org.springframework.amqp.core.Base64UrlNamingStrategy;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.FanoutExchange;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Declares the exchanges and queues of {@link Topology}. api-service declares the same ones with the same
 * arguments (declarations are idempotent; differing arguments would make the broker refuse the second).
 * Spring's {@code RabbitAdmin} declares them whenever a connection opens.
 */
@Configuration(proxyBeanMethods = false)
class BrokerTopology {

    /**
     * Jobs: a durable quorum queue that dead-letters a message when it is rejected without requeue or returned
     * more than {@link Topology#JOBS_DELIVERY_LIMIT} times. Events: a durable quorum queue the API consumes.
     */
    @Bean
    Declarables sharedTopology() {
        DirectExchange jobs = new DirectExchange(Topology.JOBS_EXCHANGE, true, false);
        Queue jobsQueue = QueueBuilder.durable(Topology.JOBS_QUEUE)
                .quorum()
                .deliveryLimit(Topology.JOBS_DELIVERY_LIMIT)
                .deadLetterExchange(Topology.JOBS_DEAD_LETTER_EXCHANGE)
                .build();
        DirectExchange deadLetters = new DirectExchange(Topology.JOBS_DEAD_LETTER_EXCHANGE, true, false);
        Queue deadLetterQueue = QueueBuilder.durable(Topology.JOBS_DEAD_LETTER_QUEUE).quorum().build();
        DirectExchange events = new DirectExchange(Topology.EVENTS_EXCHANGE, true, false);
        Queue eventsQueue = QueueBuilder.durable(Topology.EVENTS_QUEUE).quorum().build();
        FanoutExchange cancel = new FanoutExchange(Topology.CANCEL_EXCHANGE, true, false);
        return new Declarables(
                jobs, jobsQueue, BindingBuilder.bind(jobsQueue).to(jobs).with(Topology.JOBS_ROUTING_KEY),
                deadLetters, deadLetterQueue,
                BindingBuilder.bind(deadLetterQueue).to(deadLetters).with(Topology.JOBS_ROUTING_KEY),
                events, eventsQueue, BindingBuilder.bind(eventsQueue).to(events).with(Topology.EVENTS_ROUTING_KEY),
                cancel);
    }

    /**
     * This worker's cancel queue: non-durable, exclusive, auto-delete, uniquely named by the client
     * ({@code modelpress.cancel.…}) rather than by the broker, so that the same name is re-declared and consumed
     * after a reconnect. (Not an {@code AnonymousQueue}: its leader-locator argument is refused by RabbitMQ
     * before 3.13 for classic queues.)
     */
    @Bean
    Queue cancelQueue() {
        return QueueBuilder.nonDurable(new Base64UrlNamingStrategy("modelpress.cancel.").generateName())
                .exclusive()
                .autoDelete()
                .build();
    }

    @Bean
    Declarables cancelBinding(Queue cancelQueue) {
        return new Declarables(BindingBuilder.bind(cancelQueue).to(new FanoutExchange(Topology.CANCEL_EXCHANGE, true, false)));
    }
}
