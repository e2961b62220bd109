package com.modelpress.cli;

import com.modelpress.engine.ProgressListener;

import java.io.Console;
import java.io.PrintWriter;

/**
 * Shows engine progress on stderr: on a terminal, one line rewritten in place ({@code \r}) whenever the percentage
 * changes; otherwise (a log, a CI step) a plain line when a step starts and at each further quarter of it.
 * Closing it erases the terminal line so that the summary starts on a clean line.
 *
 * <p>Not thread-safe; the engine reports from the thread doing the work.
 */
final class ProgressLine implements ProgressListener, AutoCloseable {

    private final PrintWriter err;
    private final boolean terminal;
    private String step;
    private int shownPercent;
    private int width;

    ProgressLine(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /**
     * Set by the {@code modelpress} script, which can test stderr itself ({@code [[ -t 2 ]]}); Java can only tell
     * whether stdin and stdout are a terminal.
     */
    static final String STDERR_TERMINAL_PROPERTY = "modelpress.stderr.terminal";

    /** Rewrites a single line when the process's stderr is a terminal, else prints plain lines. */
    static ProgressLine on(PrintWriter err) {
        String told = System.getProperty(STDERR_TERMINAL_PROPERTY);
        if (told != null) {
            return new ProgressLine(err, Boolean.parseBoolean(told));
        }
        // without the script's word, a console on stdin and stdout is the best guess that stderr is one too
        Console console = System.console();
        return new ProgressLine(err, console != null && console.isTerminal());
    }

    @Override
    public void onProgress(String step, double fraction) {
        int percent = (int) Math.floor(Math.clamp(fraction, 0.0, 1.0) * 100);
        boolean newStep = !step.equals(this.step);
        if (terminal) {
            if (newStep || percent != shownPercent) {
                String text = "%s %3d%%".formatted(step, percent);
                err.print("\r" + text + " ".repeat(Math.max(0, width - text.length())));
                err.flush();
                width = text.length();
                shownPercent = percent;
            }
        } else if (newStep) {
            err.println(step + "...");
            err.flush();
            shownPercent = 0;
        } else if (percent / 25 > shownPercent / 25 && percent < 100) {
            shownPercent = percent / 25 * 25;
            err.println("%s %d%%".formatted(step, shownPercent));
            err.flush();
        }
        this.step = step;
    }

    @Override
    public void close() {
        clear();
    }

    /** Erases the updating line, if one is shown, so that a plain line can follow; progress may continue after. */
    void clear() {
        if (terminal && width > 0) {
            err.print("\r" + " ".repeat(width) + "\r");
            err.flush();
            width = 0;
        }
    }
}
