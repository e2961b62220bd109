package com.modelpress.cli;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The shape of a JSON document, and the two checks {@link FakeApiContractIntegrationTest} makes with it: that a test
 * double's answer has only fields the real answer has (same path, same kind), and that it has only fields an OpenAPI
 * document declares for the operation. Array elements are merged: {@code events[].payload.step} is there if any
 * element has it.
 */
final class JsonShapes {

    private JsonShapes() {
    }

    /** Path → kind ({@code string}, {@code number}, {@code boolean}, {@code object}, {@code array}, {@code null}). */
    static Map<String, Set<String>> of(JsonNode node) {
        Map<String, Set<String>> shape = new TreeMap<>();
        collect(node, "$", shape);
        return shape;
    }

    private static void collect(JsonNode node, String path, Map<String, Set<String>> shape) {
        shape.computeIfAbsent(path, p -> new TreeSet<>()).add(kind(node));
        if (node.isObject()) {
            node.properties().forEach(field -> collect(field.getValue(), path + "." + field.getKey(), shape));
        } else if (node.isArray()) {
            node.values().forEach(element -> collect(element, path + "[]", shape));
        }
    }

    private static String kind(JsonNode node) {
        if (node.isNull()) {
            return "null";
        } else if (node.isNumber()) {
            return "number";
        } else if (node.isString()) {
            return "string";
        } else if (node.isBoolean()) {
            return "boolean";
        }
        return node.isArray() ? "array" : "object";
    }

    /**
     * What {@code fake} has that {@code real} has not: a path the real answer never shows, or a kind it never has
     * there (null matches any kind, on either side).
     */
    static List<String> notIn(JsonNode fake, JsonNode real) {
        Map<String, Set<String>> realShape = of(real);
        List<String> problems = new ArrayList<>();
        of(fake).forEach((path, kinds) -> {
            Set<String> realKinds = realShape.get(path);
            if (realKinds == null) {
                problems.add(path + " (the real API has no such field)");
                return;
            }
            for (String kind : kinds) {
                if (!kind.equals("null") && !realKinds.contains(kind) && !realKinds.equals(Set.of("null"))) {
                    problems.add(path + " is " + kind + ", the real API's is " + realKinds);
                }
            }
        });
        return problems;
    }

    /** The values the text field at {@code path} (as {@link #of} writes paths) takes anywhere in {@code node}. */
    static Set<String> values(JsonNode node, String path) {
        Set<String> values = new TreeSet<>();
        values(node, "$", path, values);
        return values;
    }

    private static void values(JsonNode node, String at, String path, Set<String> values) {
        if (at.equals(path) && node.isString()) {
            values.add(node.asString());
        } else if (node.isObject()) {
            node.properties().forEach(field -> values(field.getValue(), at + "." + field.getKey(), path, values));
        } else if (node.isArray()) {
            node.values().forEach(element -> values(element, at + "[]", path, values));
        }
    }

    /**
     * What {@code value} has that {@code schema} (an OpenAPI 3 schema, {@code $ref}s resolved against
     * {@code document}) does not declare: a property that is not among an object's {@code properties}, a value of
     * another type, or a string outside an {@code enum}. A schema without {@code properties} (a free-form object, a map)
     * accepts any member; {@code oneOf}/{@code anyOf} accept what any branch accepts.
     */
    static List<String> undeclared(JsonNode value, JsonNode schema, JsonNode document) {
        List<String> problems = new ArrayList<>();
        undeclared(value, schema, document, "$", problems);
        return problems;
    }

    private static void undeclared(JsonNode value, JsonNode schema, JsonNode document, String path, List<String> problems) {
        JsonNode resolved = resolve(schema, document);
        if (value.isNull() || resolved.isMissingNode()) {
            return;
        }
        for (String choice : List.of("oneOf", "anyOf")) {
            if (resolved.has(choice)) {
                boolean any = resolved.get(choice).valueStream()
                        .anyMatch(branch -> undeclared(value, branch, document).isEmpty());
                if (!any) {
                    problems.add(path + " matches none of the " + choice + " branches");
                }
                return;
            }
        }
        JsonNode properties = properties(resolved, document);
        String type = resolved.path("type").asString(properties.isEmpty() ? "" : "object");
        switch (type) {
            case "object" -> {
                if (!value.isObject()) {
                    problems.add(path + " is not an object");
                } else if (!properties.isEmpty()) {
                    value.properties().forEach(field -> {
                        JsonNode declared = properties.path(field.getKey());
                        if (declared.isMissingNode()) {
                            problems.add(path + "." + field.getKey() + " (not in the OpenAPI schema)");
                        } else {
                            undeclared(field.getValue(), declared, document, path + "." + field.getKey(), problems);
                        }
                    });
                }
            }
            case "array" -> {
                if (!value.isArray()) {
                    problems.add(path + " is not an array");
                } else {
                    value.values().forEach(element -> undeclared(element, resolved.path("items"), document,
                            path + "[]", problems));
                }
            }
            case "string" -> {
                if (!value.isString()) {
                    problems.add(path + " is not a string");
                } else if (resolved.has("enum") && resolved.get("enum").valueStream()
                        .noneMatch(allowed -> allowed.asString().equals(value.asString()))) {
                    problems.add(path + " is '" + value.asString() + "', not one of " + resolved.get("enum"));
                }
            }
            case "integer" -> {
                if (!value.isIntegralNumber()) {
                    problems.add(path + " is not an integer");
                }
            }
            case "number" -> {
                if (!value.isNumber()) {
                    problems.add(path + " is not a number");
                }
            }
            case "boolean" -> {
                if (!value.isBoolean()) {
                    problems.add(path + " is not a boolean");
                }
            }
            default -> {
                // no type: any value
            }
        }
    }

    /** The schema's properties, with those of every {@code allOf} part. */
    private static JsonNode properties(JsonNode schema, JsonNode document) {
        ObjectNode merged = JsonNodeFactory.instance.objectNode();
        if (schema.has("properties")) {
            merged.setAll((ObjectNode) schema.get("properties"));
        }
        schema.path("allOf").valueStream().forEach(part -> merged.setAll(
                (ObjectNode) properties(resolve(part, document), document)));
        return merged;
    }

    private static JsonNode resolve(JsonNode schema, JsonNode document) {
        JsonNode at = schema;
        while (at.has("$ref")) {
            String ref = at.get("$ref").asString();
            at = document.at(ref.substring(1));
        }
        return at;
    }
}
