package com.modelpress.api.migration;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;

import java.util.Map;

/**
 * Runs api-service as a one-shot migration: a Spring context with only a {@code DataSource} and Flyway (no web
 * server, no RabbitMQ, no scheduled work), which applies the pending migrations and closes.
 *
 * <p>The flag {@code modelpress.api.migrate-only} is read, with Spring's relaxed binding, from the command line
 * ({@code --modelpress.api.migrate-only=true}), Java system properties and the environment
 * ({@code MODELPRESS_API_MIGRATE_ONLY=true}); the migration itself sees every usual property source
 * ({@code spring.datasource.*}, {@code spring.flyway.*}). Migrations run even when {@code spring.flyway.enabled}
 * is false, the setting replicas use.
 */
public final class MigrateOnly {

    /** The property that switches api-service into this mode. */
    public static final String PROPERTY = "modelpress.api.migrate-only";

    private static final Logger log = LoggerFactory.getLogger(MigrateOnly.class);

    private MigrateOnly() {
    }

    /** Whether the command line, system properties or environment set {@value #PROPERTY} to true. */
    public static boolean requested(String[] args) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new SimpleCommandLinePropertySource(args));
        ConfigurationPropertySources.attach(environment);
        return Binder.get(environment).bind(PROPERTY, Boolean.class).orElse(false);
    }

    /**
     * Applies the pending migrations.
     *
     * @return the process exit code: 0 when the schema is up to date, 1 when migrating failed (logged)
     */
    public static int run(String[] args) {
        try (ConfigurableApplicationContext context = start(args)) {
            Flyway flyway = context.getBean(Flyway.class);
            MigrationInfo current = flyway.info().current();
            log.info("migrate-only: schema {} is at version {}; exiting", String.join(",", flyway.getConfiguration().getSchemas()),
                    current == null ? "(empty)" : current.getVersion());
            return 0;
        } catch (RuntimeException e) {
            log.error("migrate-only: migrating the database failed: {}", e.getMessage(), e);
            return 1;
        }
    }

    /**
     * Starts the migration context; Flyway has migrated when this returns. The caller closes it.
     */
    static ConfigurableApplicationContext start(String[] args) {
        ApplicationListener<ApplicationEnvironmentPreparedEvent> flywayOn = event -> event.getEnvironment()
                .getPropertySources().addFirst(new MapPropertySource("migrate-only", Map.of("spring.flyway.enabled", "true")));
        return new SpringApplicationBuilder(MigrationApplication.class)
                .web(WebApplicationType.NONE)
                .bannerMode(Banner.Mode.OFF)
                .registerShutdownHook(false)
                .listeners(flywayOn)
                .run(args);
    }
}
