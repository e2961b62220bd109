package com.modelpress.engine;

/**
 * Why the engine refused a model, as a stable code: it ends the one-line message of an
 * {@link InvalidModelException} or {@link UnsupportedModelException} in square brackets ({@code … [too_deep]}),
 * so scripts, job errors and logs can match it. Codes never change meaning; new ones may be added.
 */
public enum ModelDefect {
    /** The path names no regular file. */
    NOT_FOUND("model_not_found"),
    /** The file has no bytes. */
    EMPTY_FILE("empty_file"),
    /** The file is larger than a protobuf can be (2 GiB - 1). */
    TOO_LARGE("model_too_large"),
    /** The bytes are not an ONNX protobuf (text, an archive, random bytes, a protobuf without a graph). */
    NOT_ONNX("not_onnx"),
    /** The protobuf ends in the middle of a field. */
    TRUNCATED("truncated"),
    /** Messages nest deeper than the parser's recursion limit. */
    TOO_DEEP("too_deep"),
    /** The main graph has no nodes or no outputs. */
    EMPTY_GRAPH("empty_graph"),
    /** No or a negative {@code ir_version}, or a node domain without an {@code opset_import}. */
    INVALID_HEADER("invalid_header"),
    /** Negative dimensions, or dimensions whose product (in elements or bytes) overflows 64 bits. */
    INVALID_SHAPE("invalid_shape"),
    /** A tensor's data does not hold the bytes its dims and data type declare. */
    TENSOR_SIZE_MISMATCH("tensor_size_mismatch"),
    /** A tensor has no or an unknown data type, keeps its values in the field of another type, or disagrees with
     *  the type the graph declares for it. */
    INVALID_DTYPE("invalid_dtype"),
    /** An external data reference is absolute, leaves the model's folder, is a link, is missing or lies beyond
     *  its file. */
    EXTERNAL_DATA("external_data"),
    /** Two values, initializers, graph inputs or graph outputs share a name. */
    DUPLICATE_NAME("duplicate_name"),
    /** A node input or graph output names a value nothing defines. */
    UNDEFINED_VALUE("undefined_value"),
    /** Nodes depend on each other in a cycle. */
    CYCLE("cycle"),
    /** ONNX Runtime has no kernel for an operator (unknown op, unknown domain, unsupported opset). */
    UNSUPPORTED_OPERATOR("unsupported_operator"),
    /** ONNX Runtime refused to load the model for another reason (type or shape errors, IR version). */
    RUNTIME_REJECTED("runtime_rejected"),
    /** The model loads but fails on the inputs the engine synthesised from its signature: they must be declared
     *  ({@code --shape}, {@code --dim}, {@code --set}; {@code evaluation.shapes}, {@code dims}, {@code values}). */
    SYNTHESISED_INPUTS_REJECTED("synthesised_inputs_rejected");

    private final String code;

    ModelDefect(String code) {
        this.code = code;
    }

    /** The stable code, snake_case. */
    public String code() {
        return code;
    }

    /** {@code message [code]}, on one line. */
    String describe(String message) {
        return message.strip().replaceAll("\\s*\\R\\s*", " ") + " [" + code + "]";
    }
}
