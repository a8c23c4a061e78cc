package io.github.tokenreduce.cli;

import io.github.tokenreduce.cli.measure.Interleaved;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar on stderr (me.tongfei:progressbar), or nothing under {@code --quiet}. */
final class Progress implements AutoCloseable, Interleaved.ProgressListener {

    private final ProgressBar bar;

    Progress(String task, long steps, boolean quiet) {
        this.bar = quiet ? null : new ProgressBarBuilder().setTaskName(task).setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err))
                .setUpdateIntervalMillis(500).build();
    }

    @Override
    public void step() {
        if (bar != null) {
            bar.step();
        }
    }

    /** Adds {@code steps} more to the total. */
    void extend(long steps) {
        if (bar != null) {
            bar.maxHint(bar.getMax() + steps);
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
