package com.modelpress.api.migration;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.context.annotation.PropertySource;

/**
 * The whole of the migrate-only context: a {@code DataSource} and Flyway, with api-service's defaults.
 *
 * <p>Deliberately not a {@code @Configuration}: api-service's component scan must not pick it up.
 */
@ImportAutoConfiguration({DataSourceAutoConfiguration.class, FlywayAutoConfiguration.class})
@PropertySource("classpath:com/modelpress/api/api-defaults.properties")
class MigrationApplication {
}
