/**
 * What api-service and worker-service say to each other over RabbitMQ: the job message, the events a worker
 * reports, the cancel broadcast, and the names of the exchanges and queues. Records only; each message
 * carries {@code schemaVersion}.
 */
package com.modelpress.contracts.job;
