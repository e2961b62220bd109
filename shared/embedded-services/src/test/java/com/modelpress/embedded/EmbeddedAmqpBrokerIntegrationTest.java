package com.modelpress.embedded;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/** The broker against the RabbitMQ Java client, used the way api-service and worker-service use RabbitMQ. */
class EmbeddedAmqpBrokerIntegrationTest {

    /** What the services declare on RabbitMQ for the jobs queue. */
    private static final Map<String, Object> QUORUM_ARGUMENTS = Map.of(
            "x-queue-type", "quorum",
            "x-delivery-limit", 5,
            "x-dead-letter-exchange", "jobs.dlx");

    @TempDir
    Path folder;

    @Test
    void acceptsQuorumQueueArgumentsConfirmsPublishesAndRedeliversUnackedMessages() throws Exception {
        try (EmbeddedAmqpBroker broker = EmbeddedAmqpBroker.start(folder.resolve("broker"), 0);
             Connection connection = connect(broker)) {
            Channel channel = connection.createChannel();
            declareTopology(channel);

            channel.confirmSelect();
            channel.basicPublish("jobs", "job", MessageProperties.PERSISTENT_BASIC, bytes("job-1"));
            channel.waitForConfirmsOrDie(Duration.ofSeconds(10).toMillis());

            BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
            Channel consumer = connection.createChannel();
            consumer.basicQos(1);
            consumer.basicConsume("jobs", false, new Collecting(consumer, deliveries));

            Delivery first = deliveries.poll(10, TimeUnit.SECONDS);
            assertThat(first).isNotNull();
            assertThat(first.body()).isEqualTo("job-1");
            assertThat(first.envelope().isRedeliver()).isFalse();
            // as a worker that gives the message back (or dies) would
            consumer.basicNack(first.envelope().getDeliveryTag(), false, true);

            Delivery second = deliveries.poll(10, TimeUnit.SECONDS);
            assertThat(second).isNotNull();
            assertThat(second.body()).isEqualTo("job-1");
            assertThat(second.envelope().isRedeliver()).isTrue();
            // RabbitMQ's quorum queues count deliveries in this header; Qpid does not
            Map<String, Object> headers = second.properties().getHeaders();
            assertThat(headers == null ? Map.of() : headers).doesNotContainKey("x-delivery-count");
            consumer.basicAck(second.envelope().getDeliveryTag(), false);
            // close-ok comes after the broker has handled the ack sent before it on this channel
            consumer.close();

            assertThat(channel.queueDeclarePassive("jobs").getMessageCount()).isZero();
        }
    }

    /** What a worker relies on to tell a job that a killed worker left behind: the message comes back redelivered. */
    @Test
    void messageOfAConsumerWhoseConnectionClosesComesBackMarkedRedelivered() throws Exception {
        try (EmbeddedAmqpBroker broker = EmbeddedAmqpBroker.start(folder.resolve("broker"), 0);
             Connection connection = connect(broker)) {
            Channel channel = connection.createChannel();
            declareTopology(channel);
            channel.basicPublish("jobs", "job", MessageProperties.PERSISTENT_BASIC, bytes("job-1"));
            try (Connection dying = connect(broker)) {
                Channel unacked = dying.createChannel();
                GetResponse taken = null;
                for (int attempt = 0; attempt < 100 && taken == null; attempt++) {
                    taken = unacked.basicGet("jobs", false);
                    if (taken == null) {
                        Thread.sleep(100);
                    }
                }
                assertThat(taken).as("the message, taken without an ack").isNotNull();
                assertThat(taken.getEnvelope().isRedeliver()).isFalse();
            } // closed without an ack, as the connection of a killed worker is

            GetResponse again = poll(channel, "jobs");
            assertThat(new String(again.getBody(), StandardCharsets.UTF_8)).isEqualTo("job-1");
            assertThat(again.getEnvelope().isRedeliver()).isTrue();
        }
    }

    @Test
    void fanoutReachesEveryBoundQueue() throws Exception {
        try (EmbeddedAmqpBroker broker = EmbeddedAmqpBroker.start(folder.resolve("broker"), 0);
             Connection connection = connect(broker)) {
            Channel channel = connection.createChannel();
            channel.exchangeDeclare("cancel", BuiltinExchangeType.FANOUT, true);
            String one = channel.queueDeclare().getQueue();
            String two = channel.queueDeclare().getQueue();
            channel.queueBind(one, "cancel", "");
            channel.queueBind(two, "cancel", "");

            channel.basicPublish("cancel", "", null, bytes("cancel job-1"));

            for (String queue : new String[] {one, two}) {
                GetResponse response = poll(channel, queue);
                assertThat(new String(response.getBody(), StandardCharsets.UTF_8)).isEqualTo("cancel job-1");
            }
        }
    }

    @Test
    void restartOnTheSameFolderKeepsDurableQueuesAndPersistentMessages() throws Exception {
        Path store = folder.resolve("broker");
        try (EmbeddedAmqpBroker broker = EmbeddedAmqpBroker.start(store, 0);
             Connection connection = connect(broker)) {
            Channel channel = connection.createChannel();
            declareTopology(channel);
            channel.confirmSelect();
            channel.basicPublish("jobs", "job", MessageProperties.PERSISTENT_BASIC, bytes("survives"));
            channel.waitForConfirmsOrDie(Duration.ofSeconds(10).toMillis());
        }
        try (EmbeddedAmqpBroker broker = EmbeddedAmqpBroker.start(store, 0);
             Connection connection = connect(broker)) {
            Channel channel = connection.createChannel();
            assertThat(channel.queueDeclarePassive("jobs").getMessageCount()).isEqualTo(1);
            // the binding survived too: a new message reaches the queue through the exchange
            channel.basicPublish("jobs", "job", MessageProperties.PERSISTENT_BASIC, bytes("after restart"));
            assertThat(new String(poll(channel, "jobs").getBody(), StandardCharsets.UTF_8)).isEqualTo("survives");
            assertThat(new String(poll(channel, "jobs").getBody(), StandardCharsets.UTF_8)).isEqualTo("after restart");
        }
    }

    private static void declareTopology(Channel channel) throws IOException {
        channel.exchangeDeclare("jobs", BuiltinExchangeType.DIRECT, true);
        channel.exchangeDeclare("jobs.dlx", BuiltinExchangeType.DIRECT, true);
        channel.queueDeclare("jobs", true, false, false, QUORUM_ARGUMENTS);
        channel.queueBind("jobs", "jobs", "job");
        // declaring again, as the second service to start does, must be accepted as well
        channel.queueDeclare("jobs", true, false, false, QUORUM_ARGUMENTS);
    }

    private static Connection connect(EmbeddedAmqpBroker broker) throws IOException, TimeoutException {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(broker.port());
        factory.setUsername(EmbeddedAmqpBroker.USERNAME);
        factory.setPassword(EmbeddedAmqpBroker.PASSWORD);
        factory.setVirtualHost("/");
        return factory.newConnection();
    }

    /** basic.get until a message comes, for at most ten seconds (delivery to a queue is asynchronous in Qpid). */
    private static GetResponse poll(Channel channel, String queue) throws IOException, InterruptedException {
        for (int attempt = 0; attempt < 100; attempt++) {
            GetResponse response = channel.basicGet(queue, true);
            if (response != null) {
                return response;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no message on " + queue + " within ten seconds");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private record Delivery(Envelope envelope, AMQP.BasicProperties properties, String body) {}

    private static final class Collecting extends DefaultConsumer {
        private final BlockingQueue<Delivery> deliveries;

        Collecting(Channel channel, BlockingQueue<Delivery> deliveries) {
            super(channel);
            this.deliveries = deliveries;
        }

        @Override
        public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
            deliveries.add(new Delivery(envelope, properties, new String(body, StandardCharsets.UTF_8)));
        }
    }
}
