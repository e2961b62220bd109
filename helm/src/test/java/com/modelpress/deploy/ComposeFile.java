package com.modelpress.deploy;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code docker-compose.yml} as parsed by SnakeYAML (anchors and {@code <<} merge keys resolved, as Compose
 * resolves them); accessors for the parts the tests check.
 */
final class ComposeFile {

    static final Path FILE = Path.of("..", "docker-compose.yml").toAbsolutePath().normalize();

    private final Map<String, Object> root;

    private ComposeFile(Map<String, Object> root) {
        this.root = root;
    }

    static ComposeFile load() {
        try {
            return parse(Files.readString(FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ComposeFile parse(String yaml) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Map<String, Object> root = new Yaml(new SafeConstructor(options)).load(yaml);
        return new ComposeFile(root);
    }

    Map<String, Object> services() {
        return map(root, "services");
    }

    Map<String, Object> service(String name) {
        Object service = services().get(name);
        if (!(service instanceof Map<?, ?>)) {
            throw new AssertionError("no service " + name + " in " + FILE);
        }
        return map(services(), name);
    }

    /** Declared top-level named volumes. */
    Map<String, Object> volumes() {
        Object volumes = root.get("volumes");
        return volumes == null ? Map.of() : map(root, "volumes");
    }

    /** A service's environment as a map (Compose's list form {@code KEY=value} too). */
    Map<String, String> environment(String service) {
        Object environment = service(service).get("environment");
        Map<String, String> result = new LinkedHashMap<>();
        if (environment instanceof Map<?, ?> map) {
            map.forEach((key, value) -> result.put(String.valueOf(key), value == null ? null : String.valueOf(value)));
        } else if (environment instanceof List<?> list) {
            for (Object entry : list) {
                String text = String.valueOf(entry);
                int equals = text.indexOf('=');
                result.put(equals < 0 ? text : text.substring(0, equals), equals < 0 ? null : text.substring(equals + 1));
            }
        }
        return result;
    }

    /** depends_on as target → condition ({@code service_started} for the short list form). */
    Map<String, String> dependsOn(String service) {
        Object dependsOn = service(service).get("depends_on");
        Map<String, String> result = new LinkedHashMap<>();
        if (dependsOn instanceof List<?> list) {
            list.forEach(target -> result.put(String.valueOf(target), "service_started"));
        } else if (dependsOn instanceof Map<?, ?> map) {
            map.forEach((target, spec) -> result.put(String.valueOf(target),
                    spec instanceof Map<?, ?> s && s.get("condition") != null ? String.valueOf(s.get("condition")) : "service_started"));
        }
        return result;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        if (!(value instanceof Map<?, ?>)) {
            throw new AssertionError(key + " is not a mapping");
        }
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        return value instanceof List<?> list ? (List<Object>) list : List.of();
    }
}
