package com.modelpress.report;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The components of a report record read by name, and any value drawn as a table. Several engineers add fields to
 * the report at once (a verdict, per-tensor widths, search curves); reading records by their components lets the page
 * show what a report holds — a new column, a new section — without this renderer knowing each addition first.
 */
final class Fields {

    /** Rows a generic table shows before it says how many more there are. */
    static final int MAX_ROWS = 200;

    private Fields() {
    }

    /** One component of a record: its name and value (null when the record holds none). */
    record Field(String name, Object value) {}

    /** Every component of {@code record}, in declaration order; empty for a value that is not a record. */
    static List<Field> of(Object record) {
        if (record == null || !record.getClass().isRecord()) {
            return List.of();
        }
        List<Field> fields = new ArrayList<>();
        for (RecordComponent component : record.getClass().getRecordComponents()) {
            fields.add(new Field(component.getName(), read(component, record)));
        }
        return fields;
    }

    /** The component called {@code name}, when {@code record}'s type has one and it holds a value. */
    static Optional<Object> component(Object record, String name) {
        return of(record).stream().filter(f -> f.name().equals(name)).map(Field::value).filter(v -> v != null).findFirst();
    }

    /** Names of the components of a record type. */
    static List<String> names(Class<?> recordType) {
        return java.util.Arrays.stream(recordType.getRecordComponents()).map(RecordComponent::getName).toList();
    }

    static boolean scalar(Object value) {
        return value == null || value instanceof CharSequence || value instanceof Number || value instanceof Boolean
                || value instanceof Enum<?> || value instanceof Character;
    }

    /**
     * Draws any value: a scalar as text, a record or map as a two-column table, a list of records as a table with a
     * column per component (rows bounded by {@value #MAX_ROWS}), other lists as a comma-separated line.
     */
    static void draw(Html html, Object value) {
        if (scalar(value)) {
            html.text(Format.value(value));
        } else if (value.getClass().isRecord()) {
            html.open("table", "class", "facts");
            for (Field field : of(value)) {
                row(html, field.name(), field.value());
            }
            html.close("table");
        } else if (value instanceof Map<?, ?> map) {
            html.open("table", "class", "facts");
            map.entrySet().stream().sorted(java.util.Comparator.comparing(e -> String.valueOf(e.getKey())))
                    .forEach(e -> row(html, String.valueOf(e.getKey()), e.getValue()));
            html.close("table");
        } else if (value instanceof Collection<?> items) {
            table(html, new ArrayList<Object>(items), MAX_ROWS, false);
        } else {
            html.text(String.valueOf(value));
        }
    }

    /**
     * A list as a table with a column per record component (a line of values for other items).
     *
     * @param limit    rows shown; the rest are counted
     * @param numbered a first column numbering the rows from 1, as charts label their points
     */
    static void table(Html html, List<?> items, int limit, boolean numbered) {
        if (items.isEmpty()) {
            html.text("none");
            return;
        }
        Object first = items.getFirst();
        if (first == null || !first.getClass().isRecord()) {
            html.text(String.join(", ", items.stream().limit(limit).map(Format::value).toList()));
            if (items.size() > limit) {
                html.text(" … and %d more".formatted(items.size() - limit));
            }
            return;
        }
        List<String> columns = names(first.getClass());
        html.open("div", "class", "scroll").open("table").open("thead").open("tr");
        if (numbered) {
            html.element("th", "#", "scope", "col");
        }
        columns.forEach(c -> html.element("th", c, "scope", "col"));
        html.close("tr").close("thead").open("tbody");
        int row = 0;
        for (Object item : items.stream().limit(limit).toList()) {
            html.open("tr");
            if (numbered) {
                html.element("td", String.valueOf(++row), "class", "num");
            }
            for (Field field : of(item)) {
                html.open("td");
                draw(html, field.value());
                html.close("td");
            }
            html.close("tr");
        }
        html.close("tbody").close("table").close("div");
        if (items.size() > limit) {
            html.element("p", "… and %d more rows in the JSON report".formatted(items.size() - limit), "class", "muted");
        }
    }

    private static void row(Html html, String name, Object value) {
        html.open("tr").element("th", name, "scope", "row").open("td");
        draw(html, value);
        html.close("td").close("tr");
    }

    private static Object read(RecordComponent component, Object record) {
        try {
            return component.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read %s of %s".formatted(component.getName(),
                    record.getClass().getSimpleName()), e);
        }
    }
}
