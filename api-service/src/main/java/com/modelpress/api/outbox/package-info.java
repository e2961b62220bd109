/**
 * The transactional outbox: a message is written to the {@code outbox} table in the same transaction as the
 * change it announces, and a relay publishes it to RabbitMQ with publisher confirms, so a broker outage
 * delays messages but never loses them.
 */
package com.modelpress.api.outbox;
