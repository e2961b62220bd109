/**
 * The worker service: {@code intake} takes job and cancel messages from RabbitMQ, {@code run} does one attempt
 * at a job and reports it as events, {@code storage} wires the artifact store. Never touches PostgreSQL.
 */
package com.modelpress.worker;
