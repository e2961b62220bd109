/**
 * RabbitMQ: the topology both services declare identically, the consumer of workers' job events, and the
 * consumer of dead-lettered (poison) job messages.
 */
package com.modelpress.api.messaging;
