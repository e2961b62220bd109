package com.modelpress.api;

import com.modelpress.api.migration.MigrateOnly;
import com.modelpress.storage.config.StorageConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.PropertySource;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The ModelPress REST API: owns PostgreSQL, publishes jobs through the outbox, applies workers' events.
 *
 * <p>Its defaults live in {@code api-defaults.properties} (lowest precedence, a name no other module uses), not
 * in {@code application.properties}, so an embedding process (the CLI's {@code serve}) can run this class next to
 * the worker and still get them.
 *
 * <p>With {@code modelpress.api.migrate-only=true} it applies the Flyway migrations and exits ({@link MigrateOnly}).
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@Import(StorageConfiguration.class)
@EnableScheduling
@PropertySource("classpath:com/modelpress/api/api-defaults.properties")
public class ApiApplication {

    public static void main(String[] args) {
        if (MigrateOnly.requested(args)) {
            System.exit(MigrateOnly.run(args));
        }
        SpringApplication.run(ApiApplication.class, args);
    }
}
