package com.modelpress.worker.events;

import com.modelpress.contracts.job.JobEvent;
import com.modelpress.contracts.job.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import tools.jackson.databind.json.JsonMapper;

import java.time.Duration;
import java.util.Date;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes job events as persistent JSON messages to {@link Topology#EVENTS_EXCHANGE} and waits for the
 * broker's confirm. An event counts as delivered only when the broker acked it and did not return it as
 * unroutable.
 *
 * <p>Thread-safe.
 */
public class EventPublisher {

    private static final Logger log = LoggerFactory.getLogger(EventPublisher.class);

    private final RabbitTemplate template;
    private final JsonMapper json;
    private final Duration confirmTimeout;

    public EventPublisher(RabbitTemplate template, JsonMapper json, Duration confirmTimeout) {
        this.template = template;
        this.json = json;
        this.confirmTimeout = confirmTimeout;
    }

    /** @return true when the broker confirmed the event; false after logging why not */
    public boolean publish(JobEvent event) {
        String id = "%s/%d/%d".formatted(event.jobId(), event.attempt(), event.sequence());
        MessageProperties properties = new MessageProperties();
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        properties.setContentEncoding("UTF-8");
        properties.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        properties.setMessageId(id);
        properties.setTimestamp(Date.from(event.at()));
        // lets Spring AMQP's JSON converter read the polymorphic event without a listener parameter type
        properties.setHeader("__TypeId__", JobEvent.class.getName());
        byte[] body = json.writerFor(JobEvent.class).writeValueAsBytes(event);
        CorrelationData correlation = new CorrelationData(id);
        try {
            template.send(Topology.EVENTS_EXCHANGE, Topology.EVENTS_ROUTING_KEY, new Message(body, properties), correlation);
            CorrelationData.Confirm confirm = correlation.getFuture().get(confirmTimeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!confirm.ack()) {
                log.warn("event {} was not confirmed by the broker: {}", id, confirm.reason());
                return false;
            }
            if (correlation.getReturned() != null) {
                log.warn("event {} was returned as unroutable: {}", id, correlation.getReturned().getReplyText());
                return false;
            }
            return true;
        } catch (AmqpException | ExecutionException e) {
            log.warn("event {} could not be published: {}", id, e.toString());
            return false;
        } catch (TimeoutException e) {
            log.warn("event {} was not confirmed within {}", id, confirmTimeout);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("interrupted while waiting for the confirm of event {}", id);
            return false;
        }
    }
}
