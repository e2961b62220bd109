package com.modelpress.api.outbox;

import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.boot.amqp.autoconfigure.RabbitTemplateConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class OutboxRabbitConfiguration {

    /**
     * The relay's template: mandatory (an unroutable message is not "published") and on the connection
     * factory's separate publisher connection, so publishing never blocks consumers.
     */
    @Bean
    RabbitTemplate outboxRabbitTemplate(RabbitTemplateConfigurer configurer, ConnectionFactory connectionFactory) {
        RabbitTemplate template = new RabbitTemplate();
        configurer.configure(template, connectionFactory);
        template.setMandatory(true);
        template.setUsePublisherConnection(true);
        return template;
    }
}
