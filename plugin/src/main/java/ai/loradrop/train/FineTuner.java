/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.train;

import ai.loradrop.head.HeadLoss;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.programs.Batch;
import ai.loradrop.programs.ClassifierSpec;
import ai.loradrop.programs.Predict;
import ai.loradrop.programs.TrainStep;
import ai.onnxruntime.OrtException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.logging.Logger;

/**
 * The training loop: epochs of length-bucketed batches, learning-rate schedule, progress logging, validation with
 * early stopping, checkpoints and exact resume.
 * <p>
 * Everything random derives from the seed: the initial parameters, the order of each epoch (a generator seeded from
 * the seed and the epoch number) and the dropout masks (keyed by seed and step inside the graph). So the same seed and
 * thread count give bit-identical parameters, and a run resumed from a checkpoint continues exactly as the
 * uninterrupted run would.
 * <p>
 * The loss of a batch is the weight-averaged loss of its rows. A batch whose example weights sum to 0 has no loss
 * (0/0) and no gradient: it is skipped (no optimiser update, nothing added to the epoch's mean loss, a warning logged),
 * while its step number is still used, so step numbers, the schedule and checkpoints follow the planned batches.
 * Training or validation sets whose weights are all 0 are refused before the first step.
 */
public final class FineTuner {
    private static final Logger logger = Logger.getLogger(FineTuner.class.getName());

    private final EncoderModel encoder;
    private final ClassifierSpec spec;
    private final TrainingConfig config;
    private Path checkpointDir = null;
    private int checkpointEvery = 0;
    private boolean resume = false;
    private float[] initialParams = null;

    /**
     * Creates a fine-tuner.
     * @param encoder the encoder.
     * @param spec the classifier.
     * @param config the run settings.
     */
    public FineTuner(EncoderModel encoder, ClassifierSpec spec, TrainingConfig config) {
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.spec = Objects.requireNonNull(spec, "spec");
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * Enables periodic checkpoints.
     * @param dir the checkpoint folder.
     * @param everySteps steps between checkpoints (a checkpoint is also written at the end of each epoch).
     * @param resume whether to continue from the folder's checkpoint if present.
     * @return this.
     */
    public FineTuner withCheckpoints(Path dir, int everySteps, boolean resume) {
        if (everySteps < 1) {
            throw new IllegalArgumentException("checkpoint interval must be at least 1 step, got " + everySteps);
        }
        this.checkpointDir = Objects.requireNonNull(dir, "dir");
        this.checkpointEvery = everySteps;
        this.resume = resume;
        return this;
    }

    /**
     * Starts from given parameters instead of the seeded initialisation (continued training).
     * @param params the flat parameters.
     * @return this.
     */
    public FineTuner withInitialParameters(float[] params) {
        this.initialParams = params.clone();
        return this;
    }

    /**
     * Runs the training.
     * @param train the training examples (labelled).
     * @param validation validation examples for early stopping and epoch selection, or an empty list.
     * @param padId the padding token id.
     * @return the result.
     * @throws OrtException when ONNX Runtime fails.
     * @throws IOException when a checkpoint cannot be read or written.
     */
    public FineTuneResult fit(List<EncodedExample> train, List<EncodedExample> validation, int padId)
            throws OrtException, IOException {
        if (train.isEmpty()) {
            throw new IllegalArgumentException("No training examples");
        }
        if (totalWeight(train) == 0) {
            throw new IllegalArgumentException("The weights of all " + train.size() + " training examples are 0: nothing to learn from");
        }
        if (!validation.isEmpty() && totalWeight(validation) == 0) {
            throw new IllegalArgumentException("The weights of all " + validation.size()
                    + " validation examples are 0: their loss is undefined");
        }
        SplittableRandom root = new SplittableRandom(config.seed());
        try (TrainStep step = new TrainStep(encoder, spec, config.optimizer(), config.dropoutSamples(), config.threads())) {
            step.setState(initialParams != null ? initialParams : step.layout().initialize(root.split()), null, null);
            Run run = new Run(step, train, validation, padId);
            if (resume && checkpointDir != null && Files.isRegularFile(checkpointDir.resolve(Checkpoint.FILE_NAME))) {
                run.restore(Checkpoint.read(checkpointDir));
            }
            logger.info(String.format("Fine-tuning: %d examples, %d epochs x %d steps, batch %d, lr %.2g, %d LoRA targets, %d trainable values",
                    train.size(), config.epochs(), run.stepsPerEpoch, config.batchSize(), config.learningRate(),
                    step.targets().size(), step.layout().size()));
            return run.execute();
        }
    }

    /**
     * One call of {@link #fit}: the plan (steps, warm-up), the state that a checkpoint saves and restores (position,
     * epoch sums, best parameters, history; the optimiser state lives in the {@link TrainStep}) and the progress of
     * this process (for speed and ETA).
     */
    private final class Run {
        private final TrainStep step;
        private final List<EncodedExample> train;
        private final List<EncodedExample> validation;
        private final int padId;
        private final String fingerprint;
        final long stepsPerEpoch;
        private final long totalSteps;
        private final long warmup;

        // Saved in checkpoints.
        private long done = 0;
        private int startEpoch = 0;
        private int startBatch = 0;
        private Checkpoint.EpochProgress epochProgress = Checkpoint.EpochProgress.NONE;
        private Checkpoint.Best best = Checkpoint.Best.NONE;
        private final List<EpochStats> history = new ArrayList<>();

        // This process only.
        private final long t0 = System.nanoTime();
        private long lastLog = t0;
        private long stepsThisRun = 0;
        private long examplesThisRun = 0;

        Run(TrainStep step, List<EncodedExample> train, List<EncodedExample> validation, int padId) {
            this.step = step;
            this.train = train;
            this.validation = validation;
            this.padId = padId;
            this.stepsPerEpoch = (train.size() + config.batchSize() - 1) / config.batchSize();
            this.totalSteps = stepsPerEpoch * config.epochs();
            this.warmup = warmupSteps(config.warmupFraction(), totalSteps);
            this.fingerprint = checkpointDir == null ? ""
                    : RunFingerprint.of(encoder, spec, config, step.layout().size(), train, validation).encode();
        }

        void restore(Checkpoint c) {
            checkSameRun(c.fingerprint(), fingerprint);
            Checkpoint.OptimizerState s = c.state();
            step.setState(s.params(), s.m(), s.v());
            done = c.position().step();
            startEpoch = c.position().epoch();
            startBatch = c.position().batchInEpoch();
            epochProgress = c.epochProgress();
            best = c.best();
            history.addAll(c.history());
            logger.info(String.format("Resuming from %s at step %d (epoch %d, batch %d)", checkpointDir, done, startEpoch + 1, startBatch));
        }

        FineTuneResult execute() throws OrtException, IOException {
            boolean stopped = false;
            for (int epoch = startEpoch; epoch < config.epochs() && !stopped; epoch++) {
                List<int[]> batches = Batcher.trainingBatches(train, config.batchSize(), new SplittableRandom(config.seed() * 31 + epoch + 1));
                for (int bi = (epoch == startEpoch ? startBatch : 0); bi < batches.size(); bi++) {
                    trainBatch(Batcher.toBatch(train, batches.get(bi), padId, true), epoch, bi, batches.size());
                    if (checkpointDir != null && done % checkpointEvery == 0 && bi + 1 < batches.size()) {
                        checkpoint(epoch, bi + 1);
                    }
                }
                stopped = endEpoch(epoch);
                epochProgress = Checkpoint.EpochProgress.NONE;
                if (checkpointDir != null) {
                    checkpoint(epoch + 1, 0);
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            float[] chosen = best.epoch() > 0 ? best.params() : step.params();
            int chosenEpoch = best.epoch() > 0 ? best.epoch() : history.size();
            return new FineTuneResult(chosen, history, chosenEpoch, done, secs, examplesThisRun / Math.max(secs, 1e-9));
        }

        private void trainBatch(Batch b, int epoch, int bi, int batches) throws OrtException {
            done++;
            float lr = (float) config.schedule().rate(config.learningRate(), done, totalSteps, warmup);
            double w = 0;
            for (float x : b.weights()) {
                w += x;
            }
            float loss;
            if (w > 0) {
                loss = step.step(b, done, lr, config.seed()).loss();
                if (!Float.isFinite(loss)) {
                    throw new TrainingDivergedException(done, loss, checkpointDir == null
                            ? "No checkpoints were configured."
                            : Files.isRegularFile(checkpointDir.resolve(Checkpoint.FILE_NAME))
                            ? "The last good checkpoint is in " + checkpointDir + "."
                            : "No checkpoint had been written yet in " + checkpointDir + ".");
                }
                epochProgress = new Checkpoint.EpochProgress(epochProgress.lossSum() + loss * w, epochProgress.weightSum() + w);
            } else {
                // The weighted mean loss of a batch whose weights sum to 0 is 0/0: the batch is skipped.
                loss = Float.NaN;
                logger.warning(String.format("Step %d (epoch %d, batch %d of %d) skipped: the example weights of its %d rows sum to 0,"
                        + " so it has no loss and no gradient", done, epoch + 1, bi + 1, batches, b.rows()));
            }
            stepsThisRun++;
            examplesThisRun += b.rows();
            long now = System.nanoTime();
            if ((now - lastLog) / 1e9 >= config.logIntervalSeconds() || done == totalSteps) {
                double secs = (now - t0) / 1e9;
                double eps = examplesThisRun / secs;
                double eta = (totalSteps - done) * (secs / stepsThisRun);
                logger.info(String.format("epoch %d/%d step %d/%d loss %s (epoch mean %.4f) lr %.3g %.1f ex/s ETA %s",
                        epoch + 1, config.epochs(), done, totalSteps, Float.isNaN(loss) ? "skipped" : String.format("%.4f", loss),
                        meanLoss(), lr, eps, duration(eta)));
                lastLog = now;
            }
        }

        private double meanLoss() {
            return epochProgress.lossSum() / Math.max(epochProgress.weightSum(), 1e-12);
        }

        /** Records the finished epoch, validates and updates the best parameters; true when training stops early. */
        private boolean endEpoch(int epoch) throws OrtException {
            double trainLoss = meanLoss();
            double vLoss = Double.NaN;
            double vAcc = Double.NaN;
            float[] params = step.params();
            if (!validation.isEmpty()) {
                double[] va = validate(params, validation, padId);
                vLoss = va[0];
                vAcc = va[1];
            }
            history.add(new EpochStats(epoch + 1, trainLoss, vLoss, vAcc));
            logger.info(String.format("epoch %d/%d done: train loss %.4f%s", epoch + 1, config.epochs(), trainLoss,
                    validation.isEmpty() ? "" : String.format(", validation loss %.4f, accuracy %.4f", vLoss, vAcc)));
            if (validation.isEmpty()) {
                return false;
            }
            if (vLoss < best.loss()) {
                best = new Checkpoint.Best(params, vLoss, epoch + 1, 0);
                return false;
            }
            best = new Checkpoint.Best(best.params(), best.loss(), best.epoch(), best.badEpochs() + 1);
            if (config.patience() > 0 && best.badEpochs() >= config.patience()) {
                logger.info(String.format("Early stopping after epoch %d: no validation improvement for %d epochs (best epoch %d)",
                        epoch + 1, best.badEpochs(), best.epoch()));
                return true;
            }
            return false;
        }

        private void checkpoint(int epoch, int batchInEpoch) throws IOException {
            new Checkpoint(fingerprint, new Checkpoint.Position(done, epoch, batchInEpoch),
                    new Checkpoint.OptimizerState(step.params(), step.firstMoments(), step.secondMoments()),
                    epochProgress, best, List.copyOf(history)).write(checkpointDir);
        }
    }

    private static double totalWeight(List<EncodedExample> examples) {
        double w = 0;
        for (EncodedExample e : examples) {
            w += e.weight();
        }
        return w;
    }

    /**
     * The warm-up length of a run: {@code ceil(fraction · totalSteps)} steps. A run too short for its warm-up (less
     * than one step's worth, {@code fraction · totalSteps < 1}) has no warm-up in effect, because its first step
     * already runs at the peak rate ({@link LrSchedule}); that is logged as a warning rather than refused, since a
     * short run (a smoke test, a tiny data set) is legitimate.
     */
    static long warmupSteps(double fraction, long totalSteps) {
        double wanted = fraction * totalSteps;
        if (fraction > 0 && wanted < 1) {
            logger.warning(String.format("The run is too short for its warm-up: %.3g%% of %d steps is %.3g steps, less than"
                    + " one, so there is no warm-up and the first step runs at the peak learning rate"
                    + " (more epochs, a smaller batch or a warm-up fraction of 0 silence this)",
                    100 * fraction, totalSteps, wanted));
        }
        return (long) Math.ceil(wanted);
    }

    private double[] validate(float[] params, List<EncodedExample> validation, int padId) throws OrtException {
        try (Predict p = new Predict(encoder, spec, params, true, config.threads())) {
            float[][] out = BatchPredictor.probabilities(p, validation, Math.max(config.batchSize(), 32), padId);
            return validationLoss(spec.loss(), out, validation);
        }
    }

    /**
     * The weighted mean validation loss — the training loss of the head, on the deterministic model — and an
     * accuracy: of the top class (softmax), of every label's decision at probability 0.5 (sigmoid), NaN for
     * regression.
     * @param loss the head loss.
     * @param outputs the head's outputs per example.
     * @param examples the examples (those without a target are left out).
     * @return {@code {loss, accuracy}}.
     */
    static double[] validationLoss(HeadLoss loss, float[][] outputs, List<EncodedExample> examples) {
        double sum = 0;
        double w = 0;
        double correct = 0;
        for (int i = 0; i < outputs.length; i++) {
            EncodedExample e = examples.get(i);
            if (!e.hasTarget()) {
                continue;
            }
            float[] o = outputs[i];
            double l = 0;
            double acc = 0;
            switch (loss) {
                case SOFTMAX_CROSS_ENTROPY -> {
                    l = -Math.log(Math.max(o[e.label()], 1e-12));
                    int arg = 0;
                    for (int k = 1; k < o.length; k++) {
                        if (o[k] > o[arg]) {
                            arg = k;
                        }
                    }
                    acc = arg == e.label() ? 1 : 0;
                }
                case SIGMOID_BINARY_CROSS_ENTROPY -> {
                    for (int j = 0; j < o.length; j++) {
                        double y = e.targets()[j];
                        l -= y * Math.log(Math.max(o[j], 1e-12)) + (1 - y) * Math.log(Math.max(1 - o[j], 1e-12));
                        acc += ((o[j] >= 0.5) == (y >= 0.5) ? 1.0 : 0.0) / o.length;
                    }
                }
                case MSE, HUBER -> {
                    for (int j = 0; j < o.length; j++) {
                        double r = o[j] - e.targets()[j];
                        double c = Math.max(-HeadLoss.HUBER_DELTA, Math.min(HeadLoss.HUBER_DELTA, r));
                        l += (loss == HeadLoss.MSE ? r * r : c * (r - c / 2)) / o.length;
                    }
                    acc = Double.NaN;
                }
            }
            sum += e.weight() * l;
            correct += e.weight() * acc;
            w += e.weight();
        }
        return new double[]{sum / Math.max(w, 1e-12), correct / Math.max(w, 1e-12)};
    }

    /** Refuses a checkpoint of another run, naming the fields that differ. */
    private void checkSameRun(String recorded, String current) {
        RunFingerprint theirs = RunFingerprint.parse(recorded);
        if (theirs == null) {
            throw new IllegalArgumentException("The checkpoint in " + checkpointDir + " was written by an earlier LoRA-Drop"
                    + " version, whose run fingerprint does not record the base encoder and the validation data, so it cannot"
                    + " be checked against this run and is not resumed; delete it or use another checkpoint folder");
        }
        List<String> differences = RunFingerprint.parse(current).differences(theirs);
        if (!differences.isEmpty()) {
            throw new IllegalArgumentException("The checkpoint in " + checkpointDir + " belongs to another run; it differs in "
                    + String.join(", ", differences));
        }
    }

    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60)
                : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
