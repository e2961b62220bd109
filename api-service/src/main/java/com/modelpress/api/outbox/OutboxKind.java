package com.modelpress.api.outbox;

import com.modelpress.contracts.job.CancelMessage;
import com.modelpress.contracts.job.JobMessage;
import com.modelpress.contracts.job.Topology;

/** What an outbox row holds, and where the relay sends it. */
public enum OutboxKind {
    /** A {@link JobMessage} for the workers' job queue. */
    JOB(Topology.JOBS_EXCHANGE, Topology.JOBS_ROUTING_KEY, JobMessage.class),
    /** A {@link CancelMessage} broadcast to every worker. */
    CANCEL(Topology.CANCEL_EXCHANGE, "", CancelMessage.class);

    private final String exchange;
    private final String routingKey;
    private final Class<?> messageType;

    OutboxKind(String exchange, String routingKey, Class<?> messageType) {
        this.exchange = exchange;
        this.routingKey = routingKey;
        this.messageType = messageType;
    }

    String exchange() {
        return exchange;
    }

    String routingKey() {
        return routingKey;
    }

    Class<?> messageType() {
        return messageType;
    }
}
