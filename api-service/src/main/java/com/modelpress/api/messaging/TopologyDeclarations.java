package com.modelpress.api.messaging;

import com.modelpress.contracts.job.Topology;
import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.FanoutExchange;
import org.springframework.amqp.core.Queue;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.Map;

/**
 * The exchanges and queues of {@link Topology}, declared exactly as worker-service declares them (a queue
 * redeclared with other arguments is refused by the broker): the jobs queue is a quorum queue with a
 * delivery limit that dead-letters poison messages; the dead-letter and events queues are quorum queues;
 * exchanges are durable, direct except the cancel fanout.
 */
@Configuration(proxyBeanMethods = false)
class TopologyDeclarations {

    static final String QUEUE_TYPE = "x-queue-type";
    static final String QUORUM = "quorum";

    @Bean
    Declarables modelPressTopology() {
        DirectExchange jobs = new DirectExchange(Topology.JOBS_EXCHANGE, true, false);
        Queue jobsQueue = new Queue(Topology.JOBS_QUEUE, true, false, false, Map.of(
                QUEUE_TYPE, QUORUM,
                "x-delivery-limit", Topology.JOBS_DELIVERY_LIMIT,
                "x-dead-letter-exchange", Topology.JOBS_DEAD_LETTER_EXCHANGE));
        DirectExchange deadLetters = new DirectExchange(Topology.JOBS_DEAD_LETTER_EXCHANGE, true, false);
        Queue deadLetterQueue = new Queue(Topology.JOBS_DEAD_LETTER_QUEUE, true, false, false, Map.of(QUEUE_TYPE, QUORUM));
        DirectExchange events = new DirectExchange(Topology.EVENTS_EXCHANGE, true, false);
        Queue eventsQueue = new Queue(Topology.EVENTS_QUEUE, true, false, false, Map.of(QUEUE_TYPE, QUORUM));
        FanoutExchange cancel = new FanoutExchange(Topology.CANCEL_EXCHANGE, true, false);
        Binding jobsBinding = BindingBuilder.bind(jobsQueue).to(jobs).with(Topology.JOBS_ROUTING_KEY);
        // dead-lettered messages keep their routing key
        Binding deadLetterBinding = BindingBuilder.bind(deadLetterQueue).to(deadLetters).with(Topology.JOBS_ROUTING_KEY);
        Binding eventsBinding = BindingBuilder.bind(eventsQueue).to(events).with(Topology.EVENTS_ROUTING_KEY);
        return new Declarables(jobs, jobsQueue, deadLetters, deadLetterQueue, events, eventsQueue, cancel,
                jobsBinding, deadLetterBinding, eventsBinding);
    }
}
