package com.modelpress.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** {@code --server URL} and {@code --api-key KEY}, shared by the commands that talk to a ModelPress server. */
final class ServerOption {

    static final String ENV = "MODELPRESS_SERVER";
    static final String KEY_ENV = "MODELPRESS_API_KEY";
    static final String LOCAL = "http://127.0.0.1:8080";

    @Option(names = "--server", paramLabel = "URL",
            description = "The ModelPress server (default: $" + ENV + ", else " + LOCAL + ").")
    String server;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "The API key sent as 'Authorization: Bearer KEY' (default: $" + KEY_ENV
                    + ", else the key in ~/.modelpress/" + LocalApiKey.FILE_NAME + ", which 'modelpress serve' writes).")
    String apiKey;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** @throws ParameterException when the URL is not an http(s) URL */
    ApiClient client() {
        return client(key(List.of(defaultKeyFile())));
    }

    /** @param key nullable: no key is sent */
    ApiClient client(String key) {
        return new ApiClient(uri(), key);
    }

    /** @throws ParameterException when the URL is not an http(s) URL */
    URI uri() {
        try {
            return resolve(server, System.getenv());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(command.commandLine(), e.getMessage(), e);
        }
    }

    /** {@code --api-key}, else {@value #KEY_ENV}; null when neither is given. */
    String explicitKey() {
        return explicitKey(apiKey, System.getenv());
    }

    /** {@link #explicitKey()}, else the key in the first of {@code keyFiles} that exists; null when there is none. */
    String key(List<Path> keyFiles) {
        return resolveKey(apiKey, System.getenv(), keyFiles);
    }

    static Path defaultKeyFile() {
        return ServeCommand.defaultDataDirectory().resolve(LocalApiKey.FILE_NAME);
    }

    static String explicitKey(String option, Map<String, String> environment) {
        if (option != null && !option.isBlank()) {
            return option.strip();
        }
        String fromEnvironment = environment.get(KEY_ENV);
        return fromEnvironment == null || fromEnvironment.isBlank() ? null : fromEnvironment.strip();
    }

    /**
     * The option when given, else {@value #KEY_ENV}, else the first line of the first existing key file.
     *
     * @return null when no key is found
     * @throws UncheckedIOException when a key file exists but cannot be read
     */
    static String resolveKey(String option, Map<String, String> environment, List<Path> keyFiles) {
        String explicit = explicitKey(option, environment);
        if (explicit != null) {
            return explicit;
        }
        for (Path file : keyFiles) {
            if (Files.isRegularFile(file)) {
                try {
                    String key = Files.readString(file, StandardCharsets.UTF_8).strip();
                    if (!key.isEmpty()) {
                        return key.lines().findFirst().orElseThrow().strip();
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read the API key in " + file, e);
                }
            }
        }
        return null;
    }

    /** The option when given, else {@value #ENV}, else the local standalone server; always ends with a slash. */
    static URI resolve(String option, Map<String, String> environment) {
        String chosen = option != null && !option.isBlank() ? option
                : environment.getOrDefault(ENV, "").isBlank() ? LOCAL : environment.get(ENV);
        URI uri = URI.create(chosen.strip());
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null) {
            throw new IllegalArgumentException("not an http(s) server URL: " + chosen);
        }
        return uri.getPath() == null || uri.getPath().isEmpty() ? uri.resolve("/") : uri;
    }
}
