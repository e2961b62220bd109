package com.modelpress.worker;

import com.modelpress.storage.config.StorageConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.PropertySource;

/**
 * The worker process: takes jobs from RabbitMQ, runs the engine, stores artifacts, reports events.
 *
 * <p>Its defaults live in {@code worker-defaults.properties} (lowest precedence, a name no other module uses),
 * not in {@code application.properties}, so an embedding process (the CLI's {@code serve}) can run this class
 * with its own {@code application.properties} and still get them.
 *
 * <p>The worker never touches a database: the database auto-configurations stay off even where the API's JDBC, JPA
 * and Flyway jars share its class path (the CLI's {@code serve}, the fault-injection suite).
 */
@SpringBootApplication(excludeName = {
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.DataSourceInitializationAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.JdbcClientAutoConfiguration",
        "org.springframework.boot.hibernate.autoconfigure.HibernateJpaAutoConfiguration",
        "org.springframework.boot.data.jpa.autoconfigure.DataJpaRepositoriesAutoConfiguration",
        "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration"})
@ConfigurationPropertiesScan
@Import(StorageConfiguration.class)
@PropertySource("classpath:com/modelpress/worker/worker-defaults.properties")
public class WorkerApplication {

    public static void main(String[] args) {
        SpringApplication.run(WorkerApplication.class, args);
    }
}
