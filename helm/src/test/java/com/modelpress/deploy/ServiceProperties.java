package com.modelpress.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * The configuration properties one service binds: Spring Boot's own (every {@code spring-configuration-metadata.json}
 * of the Spring jars on the classpath), the service's own metadata (generated from its
 * {@code @ConfigurationProperties} records by spring-boot-configuration-processor) and the keys of its
 * {@code *-defaults.properties}.
 *
 * @param names       canonical property names the service declares, e.g. {@code modelpress.worker.job-timeout}
 * @param mapPrefixes properties of a {@code Map} type, whose keys are free, e.g. {@code logging.level}
 */
record ServiceProperties(String service, Set<String> names, Set<String> mapPrefixes) {

    private static final String METADATA = "META-INF/spring-configuration-metadata.json";
    private static final String ADDITIONAL_METADATA = "META-INF/additional-spring-configuration-metadata.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    static ServiceProperties api() {
        return of("api-service", com.modelpress.api.ApiApplication.class, "com/modelpress/api/api-defaults.properties");
    }

    static ServiceProperties worker() {
        return of("worker-service", com.modelpress.worker.WorkerApplication.class,
                "com/modelpress/worker/worker-defaults.properties");
    }

    /**
     * @param service         a name for messages
     * @param applicationClass the service's {@code @SpringBootApplication}: its jar (or classes folder) holds its metadata
     * @param defaults        classpath resource of the service's defaults, e.g. {@code com/modelpress/api/api-defaults.properties}
     */
    static ServiceProperties of(String service, Class<?> applicationClass, String defaults) {
        Set<String> names = new TreeSet<>();
        Set<String> maps = new TreeSet<>();
        Path own = location(applicationClass);
        for (URL url : resources(METADATA, ADDITIONAL_METADATA)) {
            if (url.toString().contains("/org/springframework/")) {
                read(url, names, maps);
            }
        }
        int springCount = names.size();
        if (springCount < 500) {
            throw new IllegalStateException("only " + springCount + " Spring Boot properties found on the classpath");
        }
        readOwn(own, names, maps);
        // modelpress.storage.*: the artifact store's configuration, which both services import
        readOwn(location(com.modelpress.storage.config.StorageProperties.class), names, maps);
        if (names.stream().noneMatch(n -> n.startsWith("modelpress."))) {
            throw new IllegalStateException(service + " has no modelpress.* metadata in " + own
                    + ": is spring-boot-configuration-processor configured?");
        }
        try (InputStream in = applicationClass.getClassLoader().getResourceAsStream(defaults)) {
            if (in == null) {
                throw new IllegalStateException("no " + defaults + " on the classpath");
            }
            Properties properties = new Properties();
            properties.load(in);
            properties.stringPropertyNames().forEach(names::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ServiceProperties(service, Collections.unmodifiableSet(names), Collections.unmodifiableSet(maps));
    }

    /** Whether the service's metadata or defaults declare this property. */
    boolean declares(String name) {
        return names.contains(name);
    }

    /** Every name an environment variable may bind to. */
    Set<String> bindable() {
        return names;
    }

    private static void readOwn(Path location, Set<String> names, Set<String> maps) {
        try {
            if (Files.isDirectory(location)) {
                Path file = location.resolve(METADATA);
                if (!Files.exists(file)) {
                    throw new IllegalStateException("no " + METADATA + " in " + location);
                }
                read(file.toUri().toURL(), names, maps);
            } else {
                try (JarFile jar = new JarFile(location.toFile())) {
                    ZipEntry entry = jar.getEntry(METADATA);
                    if (entry == null) {
                        throw new IllegalStateException("no " + METADATA + " in " + location);
                    }
                    try (InputStream in = jar.getInputStream(entry)) {
                        collect(JSON.readTree(in), names, maps);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void read(URL url, Set<String> names, Set<String> maps) {
        try (InputStream in = url.openStream()) {
            collect(JSON.readTree(in), names, maps);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void collect(JsonNode metadata, Set<String> names, Set<String> maps) {
        for (JsonNode property : metadata.path("properties")) {
            String name = property.path("name").asText();
            if (!ConfigurationPropertyName.isValid(name)) {
                continue;
            }
            names.add(name);
            if (property.path("type").asText().startsWith("java.util.Map<")) {
                maps.add(name);
            }
        }
    }

    private static Set<URL> resources(String... names) {
        Set<URL> urls = new LinkedHashSet<>();
        try {
            for (String name : names) {
                Enumeration<URL> found = ServiceProperties.class.getClassLoader().getResources(name);
                while (found.hasMoreElements()) {
                    urls.add(found.nextElement());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return urls;
    }

    private static Path location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
