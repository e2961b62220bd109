/**
 * Real PostgreSQL and an in-process AMQP 0-9-1 broker that run without installed services: the backing services of
 * {@code modelpress serve}, and of tests on machines that have no PostgreSQL or RabbitMQ ({@link
 * com.modelpress.embedded.TestServices}); and, for tests of S3 artifact storage, Adobe S3Mock in a child JVM
 * ({@link com.modelpress.embedded.S3MockServer}). Plain Java, no Spring.
 */
package com.modelpress.embedded;
