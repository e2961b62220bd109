/**
 * The {@code modelpress} command line: picocli commands, their exit codes, and the human-readable rendering
 * of a {@link com.modelpress.contracts.FidelityReport}.
 */
package com.modelpress.cli;
