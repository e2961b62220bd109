package com.modelpress.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The chart at {@code helm/modelpress}, linted and rendered with Helm's own code (helm-java, no cluster). */
final class Chart {

    static final Path DIR = Path.of("modelpress").toAbsolutePath();
    static final Path CI = DIR.resolve("ci");
    static final String RELEASE = "mp";
    /** The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) is what it is rendered for. */
    static final String KUBE_VERSION = "1.25.0";

    private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private Chart() {
    }

    /**
     * The annotation that makes a template a Helm hook. helm-java's {@code template} prints the release manifest
     * without its hooks, so {@link #render} renders a copy of the chart in which this key is renamed to
     * {@link #HOOK_STAND_IN}, and renames it back in the parsed objects: the hooks are rendered by the same
     * templates and values, and checked with their real annotations.
     */
    static final String HOOK = "helm.sh/hook";
    static final String HOOK_STAND_IN = "test.modelpress.dev/hook";

    private static Path hooksAsManifests;

    /**
     * {@code helm template mp modelpress -f valuesFile}, hooks included: every rendered object, typed where
     * fabric8 knows the kind.
     */
    static List<HasMetadata> render(Path valuesFile) {
        String yaml = new Helm(hooksAsManifests()).template().withName(RELEASE).withNamespace("modelpress")
                .withKubeVersion(KUBE_VERSION).withValuesFile(valuesFile).call();
        List<HasMetadata> objects = parse(yaml);
        for (HasMetadata object : objects) {
            Map<String, String> annotations = object.getMetadata().getAnnotations();
            if (annotations != null && annotations.containsKey(HOOK_STAND_IN)) {
                annotations.put(HOOK, annotations.remove(HOOK_STAND_IN));
            }
        }
        return objects;
    }

    private static synchronized Path hooksAsManifests() {
        if (hooksAsManifests == null) {
            try {
                Path copy = copy(Files.createTempDirectory("modelpress-chart-").resolve("modelpress"));
                try (Stream<Path> templates = Files.list(copy.resolve("templates"))) {
                    for (Path template : templates.toList()) {
                        String text = Files.readString(template);
                        Files.writeString(template, text.replace('"' + HOOK + '"', '"' + HOOK_STAND_IN + '"'));
                    }
                }
                hooksAsManifests = copy;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return hooksAsManifests;
    }

    static List<HasMetadata> parse(String yaml) {
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : DOCUMENT_SEPARATOR.split(yaml)) {
            boolean empty = document.lines().map(String::strip)
                    .allMatch(line -> line.isEmpty() || line.startsWith("#"));
            if (!empty) {
                objects.add(SERIALIZATION.unmarshal(document, HasMetadata.class));
            }
        }
        return objects;
    }

    /**
     * {@code helm lint --strict} with {@code valuesFile} on top of the chart's values: helm-java's lint takes no
     * values file, so the merged values are written into a copy of the chart (as {@code helm lint -f} merges them).
     */
    static LintResult lintStrict(Path valuesFile, Path scratch) {
        Path copy = copy(scratch.resolve("modelpress"));
        Map<String, Object> values = merge(load(DIR.resolve("values.yaml")), load(valuesFile));
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        write(copy.resolve("values.yaml"), new Yaml(options).dump(values));
        return new Helm(copy).lint().strict().call();
    }

    /** {@code helm lint --strict} of the chart as shipped. */
    static LintResult lintStrictAsShipped() {
        return new Helm(DIR).lint().strict().call();
    }

    static List<Path> ciValuesFiles() {
        try (Stream<Path> files = Files.list(CI)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> overlay) {
        Map<String, Object> merged = new LinkedHashMap<>(base);
        overlay.forEach((key, value) -> {
            if (value instanceof Map<?, ?> map && merged.get(key) instanceof Map<?, ?> existing) {
                merged.put(key, merge((Map<String, Object>) existing, (Map<String, Object>) map));
            } else {
                merged.put(key, value);
            }
        });
        return merged;
    }

    static Map<String, Object> load(Path yaml) {
        try {
            Map<String, Object> values = new Yaml().load(Files.readString(yaml));
            return values == null ? Map.of() : values;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path copy(Path target) {
        try (Stream<Path> files = Files.walk(DIR)) {
            for (Path source : files.sorted(Comparator.naturalOrder()).toList()) {
                Path destination = target.resolve(DIR.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(destination);
                } else {
                    Files.copy(source, destination);
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
