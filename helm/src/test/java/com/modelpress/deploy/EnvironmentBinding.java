package com.modelpress.deploy;

import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertyState;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import java.util.Map;
import java.util.Optional;

/**
 * Which configuration property an environment variable sets, decided by Spring Boot's own relaxed binding for
 * the system environment ({@code SPRING_RABBITMQ_VIRTUAL_HOST} → {@code spring.rabbitmq.virtual-host}), not by a
 * re-implementation of its rules.
 */
final class EnvironmentBinding {

    /** Environment variables read by the JVM itself rather than by Spring. */
    static final java.util.Set<String> JVM_VARIABLES = java.util.Set.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS");

    private EnvironmentBinding() {
    }

    /**
     * @return the property {@code variable} binds to among the service's properties (for a map property, its name
     *         followed by {@code .*}), or empty when it binds to none
     */
    static Optional<String> propertyFor(String variable, ServiceProperties service) {
        if (JVM_VARIABLES.contains(variable)) {
            return Optional.of("(JVM) " + variable);
        }
        // the name Spring gives the real environment, so that its SystemEnvironmentPropertyMapper is used
        ConfigurationPropertySource source = ConfigurationPropertySource.from(new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.of(variable, "value")));
        for (String name : service.bindable()) {
            ConfigurationProperty property = source.getConfigurationProperty(ConfigurationPropertyName.of(name));
            if (property != null) {
                return Optional.of(name);
            }
        }
        for (String map : service.mapPrefixes()) {
            if (source.containsDescendantOf(ConfigurationPropertyName.of(map)) == ConfigurationPropertyState.PRESENT) {
                return Optional.of(map + ".*");
            }
        }
        return Optional.empty();
    }
}
