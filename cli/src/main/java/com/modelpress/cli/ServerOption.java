package com.modelpress.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.net.URI;
import java.util.Map;

/** {@code --server URL}, shared by the commands that talk to a ModelPress server. */
final class ServerOption {

    static final String ENV = "MODELPRESS_SERVER";
    static final String LOCAL = "http://127.0.0.1:8080";

    @Option(names = "--server", paramLabel = "URL",
            description = "The ModelPress server (default: $" + ENV + ", else " + LOCAL + ").")
    String server;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** @throws ParameterException when the URL is not an http(s) URL */
    ApiClient client() {
        try {
            return new ApiClient(resolve(server, System.getenv()));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(command.commandLine(), e.getMessage(), e);
        }
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
