/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.train;

import java.nio.file.Path;
import java.util.logging.Handler;

/**
 * The child JVM of {@link KillResumeTest}: trains {@link ResumeScenario} with a checkpoint after every step and writes
 * the outcome to a file.
 * <p>
 * Arguments: {@code <checkpoint dir> <outcome file> <sleep ms per step> <resume: true|false>}. The sleep (taken in
 * the progress hook, after a step has run and before its checkpoint is written) gives the parent time to kill the
 * process in the middle of the run.
 */
public final class ResumableTrainingMain {
    private ResumableTrainingMain() {}

    /**
     * Runs the training.
     * @param args see the class comment.
     * @throws Exception on failure (exit status 1).
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: ResumableTrainingMain <checkpoint dir> <outcome file> <sleep ms per step> <resume>");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        Path out = Path.of(args[1]);
        long sleep = Long.parseLong(args[2]);
        boolean resume = Boolean.parseBoolean(args[3]);
        Handler h = ResumeScenario.addStepHook(step -> {
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        try {
            FineTuneResult r = new FineTuner(ResumeScenario.encoder(), ResumeScenario.spec(), ResumeScenario.config(3e-3))
                    .withCheckpoints(dir, 1, resume)
                    .fit(ResumeScenario.train(), ResumeScenario.validation(), 0);
            ResumeScenario.Outcome.of(r).write(out);
        } finally {
            ResumeScenario.removeStepHook(h);
        }
    }
}
