package com.modelpress.worker.intake;

import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.MessageProperties;

import static org.assertj.core.api.Assertions.assertThat;

class JobListenerTest {

    @Test
    void attemptIsOneMoreThanTheQuorumQueuesDeliveryCount() {
        MessageProperties first = new MessageProperties();
        MessageProperties third = new MessageProperties();
        third.setHeader(JobListener.DELIVERY_COUNT, 2L);

        assertThat(JobListener.attempt(first)).isEqualTo(1);
        assertThat(JobListener.attempt(third)).isEqualTo(3);
    }
}
