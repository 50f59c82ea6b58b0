/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.encoders.EncoderFiles;
import ai.loradrop.encoders.NamedEncoder;
import ai.loradrop.io.Sha256;
import ai.loradrop.head.Pooling;
import ai.loradrop.interop.AdapterStart;
import ai.loradrop.interop.ImportedAdapter;
import ai.loradrop.interop.PeftAdapter;
import ai.loradrop.interop.TokenizerFit;
import ai.loradrop.lora.LoraSurgery;
import ai.loradrop.programs.ParameterLayout;
import ai.loradrop.lora.DropoutMode;
import ai.loradrop.lora.LoraConfig;
import ai.loradrop.onnx.BaseQuantization;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.onnx.LinearModule;
import ai.loradrop.onnx.QuantizedBackward;
import ai.loradrop.optim.AdamWConfig;
import ai.loradrop.programs.ClassifierSpec;
import ai.loradrop.programs.QuantizedMerge;
import ai.loradrop.text.LongText;
import ai.loradrop.text.Tokenizer;
import ai.loradrop.train.DocumentEncoder;
import ai.loradrop.train.EncodedExample;
import ai.loradrop.train.EpochStats;
import ai.loradrop.train.FineTuneResult;
import ai.loradrop.train.FineTuner;
import ai.loradrop.train.LrSchedule;
import ai.loradrop.train.TrainingConfig;
import ai.loradrop.tribuo.data.TextExamples;
import ai.loradrop.head.HeadLoss;
import ai.onnxruntime.OrtException;
import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.config.ConfigurableName;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import com.oracle.labs.mlrg.olcut.provenance.ListProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.DoubleProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.IntProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.LongProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Trainer;
import org.tribuo.WeightedExamples;
import org.tribuo.Model;
import org.tribuo.Output;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.provenance.TrainerProvenance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
/**
 * The core shared by the LoRA-Drop trainers of every Tribuo output type, in the pattern of Tribuo's
 * {@code AbstractSGDTrainer}: the {@code @Config} settings (written once, here, and inherited by
 * {@link LoraDropTrainer} for {@code Label}, {@code LoraDropMultiLabelTrainer} for {@code MultiLabel} and
 * {@code LoraDropRegressionTrainer} for {@code Regressor}), their validation, the seeded random state split per
 * {@code train} call, encoder and tokenizer loading, text encoding, the validation hold-out, the training loop,
 * checkpoints and provenance. A subclass says what the head computes ({@link #headLoss()}), how an example's output
 * becomes a training target ({@link #targets}) and which model wraps the result ({@link #createModel}).
 * <p>
 * See {@link LoraDropTrainer} for the settings' meaning; every subclass documents its own.
 *
 * @param <T> the output type.
 * @param <M> the model type the trainer returns.
 */
public abstract class AbstractLoraDropTrainer<T extends Output<T>, M extends Model<T>> implements Trainer<T>, WeightedExamples {
    private static final Logger logger = Logger.getLogger(AbstractLoraDropTrainer.class.getName());

    /** Model instance provenance: the training loss of each epoch. */
    public static final String TRAIN_LOSS = "loradrop-train-loss";
    /** Model instance provenance: the validation loss after each epoch (NaN without validation data). */
    public static final String VALIDATION_LOSS = "loradrop-validation-loss";
    /** Model instance provenance: the validation accuracy after each epoch (NaN without validation data). */
    public static final String VALIDATION_ACCURACY = "loradrop-validation-accuracy";
    /** Model instance provenance: the epoch whose parameters the model holds. */
    public static final String CHOSEN_EPOCH = "loradrop-chosen-epoch";
    /** Model instance provenance: the optimisation steps run. */
    public static final String STEPS = "loradrop-steps";
    /** Model instance provenance: the wall time of the training loop in seconds. */
    public static final String TRAIN_SECONDS = "loradrop-train-seconds";
    /** Model instance provenance: training throughput in examples per second. */
    public static final String EXAMPLES_PER_SECOND = "loradrop-examples-per-second";
    /** Model instance provenance: the number of examples trained on. */
    public static final String TRAIN_EXAMPLES = "loradrop-train-examples";
    /** Model instance provenance: the number of validation examples. */
    public static final String VALIDATION_EXAMPLES = "loradrop-validation-examples";
    /** Model instance provenance: how many training and validation texts were truncated to {@code maxLength}. */
    public static final String TRUNCATED_EXAMPLES = "loradrop-truncated-examples";
    /** Model instance provenance: the seed of the run (split from the trainer's random state). */
    public static final String RUN_SEED = "loradrop-run-seed";
    /** Model instance provenance: the provenance of a separately supplied validation dataset. */
    public static final String VALIDATION_DATASET = "loradrop-validation-dataset";
    /**
     * Model instance provenance, with {@code initialAdapterPath} only: where the starting head came from:
     * {@code adapter} (its rows in the adapter's order), {@code adapter-reordered} (rows matched to the training
     * labels by the adapter's label names) or {@code fresh} (class count or label names differ).
     */
    public static final String INITIAL_HEAD = "loradrop-initial-head";
    /**
     * Model instance provenance, for an encoder with quantized Linear layers: how they are quantized (int8 weights per
     * output column or per tensor with activations per tensor at run time, or 4-bit weights in blocks with float
     * activations) and how the gradient passes through them.
     */
    public static final String QUANTIZATION = "loradrop-quantization";
    /** Model instance provenance, for an encoder with quantized (int8 or 4-bit) Linear layers: their module paths. */
    public static final String QUANTIZED_MODULES = "loradrop-quantized-modules";

    @Config(description = "Name of a pretrained encoder shipped on Maven Central (the names of ai.loradrop.encoders.NamedEncoder, e.g. bge-small-en-v1.5), found on the class path or in the local Maven repository; the alternative to baseModelPath and tokenizerPath.")
    String encoder;

    @Config(description = "Path to the base encoder: an ONNX export of a BERT-family model with inputs input_ids and attention_mask (token_type_ids optional). Required unless encoder is set.")
    Path baseModelPath;

    @Config(description = "Path to the tokenizer: a Hugging Face tokenizer.json (WordPiece, BPE, Unigram or WordLevel) or a BERT vocab.txt (lower-cased). Required unless encoder is set.")
    Path tokenizerPath;

    @Config(description = "Maximum tokens per example, special tokens included; longer texts are truncated.")
    int maxLength = 128;

    @Config(description = "What to do with a text longer than maxLength tokens: TRUNCATE (keep its start), HEAD_TAIL (keep its first quarter-budget and last tokens) or WINDOWS (overlapping windows of maxLength, each weighted 1/windows of its document; a document is predicted as the mean of its windows' probabilities). Sentence pairs are always truncated.")
    LongText longText = LongText.TRUNCATE;

    @Config(description = "WINDOWS only: word pieces between the starts of two windows, from 1 to maxLength minus the special tokens.")
    int windowStride = 64;

    @Config(description = "Example metadata key holding the text.")
    String textKey = "text";

    @Config(description = "Example metadata key holding the second text of a sentence pair; unset for single texts.")
    String pairKey;

    @Config(description = "Pooling of the encoder's token vectors: MEAN over the attention mask or FIRST_TOKEN ([CLS]); unset: the named encoder's recommended pooling, else MEAN.")
    Pooling pooling;

    @Config(description = "Module name suffixes that get LoRA adapters, matched as PEFT does (ignored when targetRegex is set).")
    List<String> targetModules = List.of("query", "value");

    @Config(description = "Regular expression matching whole module paths that get LoRA adapters; unset to use targetModules.")
    String targetRegex;

    @Config(description = "LoRA rank r.")
    int rank = 8;

    @Config(description = "LoRA alpha; the adapter scale is alpha / r (alpha / sqrt(r) with rsLora).")
    double alpha = 16;

    @Config(description = "Use rsLoRA scaling alpha / sqrt(r).")
    boolean rsLora = false;

    @Config(description = "LoRA dropout mode: NONE, INPUT (PEFT's lora_dropout on the adapter input) or SPARSE (masks on the columns of A and rows of B).")
    DropoutMode dropoutMode = DropoutMode.SPARSE;

    @Config(description = "LoRA dropout probability p, in [0, 1).")
    double dropout = 0.3;

    @Config(description = "SPARSE mode only: scale kept mask entries by 1/(1-p) (false: the paper's unscaled masks).")
    boolean sparseScaled = true;

    @Config(description = "Dropout instances per example per step whose losses are averaged (1: ordinary dropout).")
    int dropoutSamples = 1;

    @Config(description = "Dropout probability on the pooled vector before the classifier head, in [0, 1).")
    double headDropout = 0.0;

    @Config(description = "Number of passes over the training data.")
    int epochs = 6;

    @Config(description = "Examples per optimisation step.")
    int batchSize = 32;

    @Config(description = "Peak learning rate of AdamW.")
    double learningRate = 2e-3;

    @Config(description = "Fraction of all steps spent in linear warm-up, in [0, 1).")
    double warmupFraction = 0.06;

    @Config(description = "Learning-rate decay after warm-up: LINEAR, COSINE or CONSTANT.")
    LrSchedule schedule = LrSchedule.LINEAR;

    @Config(description = "AdamW decoupled weight decay.")
    double weightDecay = 0.01;

    @Config(description = "Global gradient-norm clipping threshold; 0 disables clipping.")
    double maxGradNorm = 0.0;

    @Config(description = "Seed of the trainer's random state (initialisation, shuffling, dropout masks, validation split).")
    long seed = Trainer.DEFAULT_SEED;

    @Config(description = "ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose.")
    int threads = 0;

    @Config(description = "Epochs without validation-loss improvement before stopping early; 0 disables early stopping.")
    int patience = 0;

    @Config(description = "Fraction of the training data held out (seeded) for validation, epoch choice and early stopping; 0 for none. Ignored when a validation dataset is passed to train.")
    double validationFraction = 0.0;

    @Config(description = "Test-time ensemble size K of the trained model (1: deterministic); K > 1 needs LoRA dropout.")
    int ensembleSize = 1;

    @Config(description = "Seed of the ensemble members' dropout masks.")
    long ensembleSeed = 1L;

    @Config(description = "Whether the trained model's serialized form embeds the base encoder (else it references the file by path and SHA-256).")
    boolean embedBaseModel = true;

    @Config(description = "Folder for training checkpoints (one sub-folder per train call); unset for none.")
    Path checkpointDir;

    @Config(description = "Optimisation steps between checkpoints (one is also written after each epoch).")
    int checkpointEvery = 500;

    @Config(description = "Resume from the checkpoint in checkpointDir if one exists.")
    boolean resume = false;

    @Config(description = "Seconds between training progress log lines.")
    double logIntervalSeconds = 10.0;

    @Config(description = "PEFT LoRA adapter folder to start from (adapter_model.safetensors + adapter_config.json): its LoRA matrices, and its head when the class count matches; its rank and target modules must equal this trainer's. Unset to start from PEFT's initialisation.")
    Path initialAdapterPath;

    @Config(description = BaseQuantization.DESCRIPTION)
    BaseQuantization quantizeBase = BaseQuantization.NONE;

    @Config(description = "How the gradient passes through frozen int8 Linear layers: FLOAT (a float MatMul with the dequantized weight) or INT8 (the gradient quantized per tensor, an integer MatMul with the int8 weight). 4-bit layers (quantizeBase INT4) always use a float MatMul with the dequantized weight.")
    QuantizedBackward quantizedBackward = EncoderModel.DEFAULT_QUANTIZED_BACKWARD;

    @Config(description = QuantizedMerge.DESCRIPTION)
    QuantizedMerge quantizedMerge = QuantizedMerge.DEFAULT;

    @ConfigurableName
    String configName;

    SplittableRandom rng;
    int trainInvocationCounter = 0;
    /** The named encoder's files when {@code encoder} is set, else null (resolved by postConfig). */
    EncoderFiles encoderFiles;
    /** The pooling in use: {@code pooling}, else the named encoder's, else MEAN (set by postConfig). */
    Pooling effectivePooling;
    Resources cachedResources;

    /**
     * For OLCUT and the subclasses' builders. Set the mandatory fields, then call {@link #postConfig()}.
     */
    AbstractLoraDropTrainer() {}

    /**
     * Validates the configuration and seeds the random state. Called by OLCUT and by the constructors.
     * @throws PropertyException naming the field when a setting is invalid or a file is missing.
     */
    @Override
    public synchronized void postConfig() {
        resolveEncoder();
        check(maxLength >= 2, "maxLength", "must be at least 2 (room for [CLS] and [SEP]), got " + maxLength);
        check(longText != null, "longText", "must be set (TRUNCATE, HEAD_TAIL or WINDOWS)");
        check(longText != LongText.WINDOWS || (windowStride >= 1 && windowStride <= maxLength), "windowStride",
                "must be between 1 and maxLength " + maxLength + " with longText WINDOWS, got " + windowStride);
        check(pairKey == null || longText == LongText.TRUNCATE, "longText", "must be TRUNCATE for sentence pairs (pairKey '"
                + pairKey + "'), got " + longText);
        check(textKey != null && !textKey.isBlank(), "textKey", "must name a metadata key");
        check(pairKey == null || !pairKey.isBlank(), "pairKey", "must name a metadata key, or be left unset for single texts");
        check(pairKey == null || !pairKey.equals(textKey), "pairKey", "must differ from textKey '" + textKey + "'");
        check(targetRegex != null || (targetModules != null && !targetModules.isEmpty()), "targetModules",
                "must name at least one module when targetRegex is unset");
        if (targetModules != null) {
            for (String t : targetModules) {
                check(t != null && !t.isBlank(), "targetModules", "holds a blank module name: " + targetModules);
            }
        }
        if (targetRegex != null) {
            try {
                Pattern.compile(targetRegex);
            } catch (PatternSyntaxException e) {
                throw new PropertyException(e, name(), "targetRegex", "is not a valid regular expression: " + e.getDescription());
            }
        }
        check(rank >= 1, "rank", "must be at least 1, got " + rank);
        check(alpha > 0 && Double.isFinite(alpha), "alpha", "must be positive and finite, got " + alpha);
        check(dropoutMode != null, "dropoutMode", "must be set (NONE, INPUT or SPARSE)");
        check(dropout >= 0 && dropout < 1, "dropout", "must be in [0, 1), got " + dropout);
        check(dropoutSamples >= 1, "dropoutSamples", "must be at least 1, got " + dropoutSamples);
        check(headDropout >= 0 && headDropout < 1, "headDropout", "must be in [0, 1), got " + headDropout);
        check(epochs >= 1, "epochs", "must be at least 1, got " + epochs);
        check(batchSize >= 1, "batchSize", "must be at least 1, got " + batchSize);
        check(learningRate > 0 && Double.isFinite(learningRate), "learningRate", "must be positive and finite, got " + learningRate);
        check(warmupFraction >= 0 && warmupFraction < 1, "warmupFraction", "must be in [0, 1), got " + warmupFraction);
        check(schedule != null, "schedule", "must be set (LINEAR, COSINE or CONSTANT)");
        check(quantizeBase != null, "quantizeBase", "must be set (one of " + java.util.Arrays.toString(BaseQuantization.values()) + ")");
        check(quantizedBackward != null, "quantizedBackward", "must be set (FLOAT or INT8)");
        check(quantizedMerge != null, "quantizedMerge", "must be set (one of " + java.util.Arrays.toString(QuantizedMerge.values()) + ")");
        check(weightDecay >= 0 && Double.isFinite(weightDecay), "weightDecay", "must be non-negative and finite, got " + weightDecay);
        check(maxGradNorm >= 0 && Double.isFinite(maxGradNorm), "maxGradNorm", "must be non-negative (0 disables clipping), got " + maxGradNorm);
        check(threads >= 0, "threads", "must be non-negative (0: ONNX Runtime's default), got " + threads);
        int cores = Runtime.getRuntime().availableProcessors();
        check(threads <= cores, "threads", "is " + threads + ", but this machine has " + cores + " cores; use at most "
                + cores + " (0: ONNX Runtime's choice)");
        check(patience >= 0, "patience", "must be non-negative (0 disables early stopping), got " + patience);
        check(validationFraction >= 0 && validationFraction < 1, "validationFraction", "must be in [0, 1), got " + validationFraction);
        check(ensembleSize >= 1, "ensembleSize", "must be at least 1, got " + ensembleSize);
        check(ensembleSize == 1 || (dropoutMode != DropoutMode.NONE && dropout > 0), "ensembleSize",
                "is " + ensembleSize + ", but an ensemble over dropout masks needs a LoRA dropout mode other than NONE and dropout > 0");
        check(checkpointEvery >= 1, "checkpointEvery", "must be at least 1, got " + checkpointEvery);
        check(!resume || checkpointDir != null, "resume", "needs checkpointDir to be set");
        check(logIntervalSeconds > 0, "logIntervalSeconds", "must be positive, got " + logIntervalSeconds);
        if (initialAdapterPath != null) {
            checkInitialAdapter();
        }
        this.rng = new SplittableRandom(seed);
    }

    String name() {
        return configName == null ? "" : configName;
    }

    /**
     * Exactly one way to the base encoder: a named {@code encoder}, or {@code baseModelPath} with
     * {@code tokenizerPath}. Resolves a named encoder (extracting it into the cache on first use) and sets the
     * pooling in use.
     */
    void resolveEncoder() {
        encoderFiles = null;
        if (encoder != null) {
            check(baseModelPath == null && tokenizerPath == null, "encoder", "names the encoder '" + encoder
                    + "', so baseModelPath and tokenizerPath must be left unset (they are the way to any other export)");
            NamedEncoder named;
            try {
                named = NamedEncoder.byName(encoder);
            } catch (IllegalArgumentException e) {
                throw new PropertyException(name(), "encoder", "encoder: " + e.getMessage());
            }
            try {
                encoderFiles = named.resolve();
            } catch (IOException e) {
                throw new PropertyException(e, name(), "encoder", "encoder: " + e.getMessage());
            }
            check(maxLength <= named.maxLength(), "maxLength", "is " + maxLength + " but the encoder " + named
                    + " takes at most " + named.maxLength() + " tokens");
        } else {
            check(baseModelPath != null || tokenizerPath != null, "baseModelPath",
                    "must be set (with tokenizerPath), or the field encoder must name an encoder (" + NamedEncoder.names() + ")");
            requireFile(baseModelPath, "baseModelPath");
            requireFile(tokenizerPath, "tokenizerPath");
        }
        effectivePooling = pooling != null ? pooling : encoderFiles != null ? encoderFiles.encoder().pooling() : Pooling.MEAN;
    }

    /** The encoder file in use. */
    Path modelFile() {
        return encoderFiles != null ? encoderFiles.onnx() : baseModelPath;
    }

    /** The tokenizer file in use. */
    Path tokenizerFile() {
        return encoderFiles != null ? encoderFiles.tokenizer() : tokenizerPath;
    }

    void check(boolean ok, String field, String message) {
        if (!ok) {
            throw new PropertyException(name(), field, field + " " + message);
        }
    }

    /**
     * The checks that need no encoder: the folder holds an adapter, and its rank is this trainer's. The target
     * modules are compared when training starts, on the encoder.
     */
    void checkInitialAdapter() {
        String f = "initialAdapterPath";
        int r;
        try {
            r = PeftAdapter.rank(initialAdapterPath);
        } catch (IOException e) {
            throw new PropertyException(e, name(), f, f + " " + initialAdapterPath.toAbsolutePath() + ": " + e.getMessage());
        }
        check(r == rank, f, "holds an adapter of rank " + r + " (r in " + PeftAdapter.CONFIG_FILE + ") but rank is " + rank
                + "; the ranks must be equal");
    }

    void requireFile(Path path, String field) {
        check(path != null, field, "must be set");
        check(Files.isRegularFile(path), field, "file not found: " + path.toAbsolutePath());
        check(Files.isReadable(path), field, "file is not readable: " + path.toAbsolutePath());
    }

    // ---------------------------------------------------------------------------------------------- training

    @Override
    public M train(Dataset<T> examples) {
        return train(examples, Collections.emptyMap());
    }

    @Override
    public M train(Dataset<T> examples, Map<String, Provenance> runProvenance) {
        return train(examples, null, runProvenance, INCREMENT_INVOCATION_COUNT);
    }

    @Override
    public M train(Dataset<T> examples, Map<String, Provenance> runProvenance, int invocationCount) {
        return train(examples, null, runProvenance, invocationCount);
    }

    /**
     * Trains with a separate validation set, used to choose the epoch with the lowest validation loss and for early
     * stopping ({@code validationFraction} is then ignored).
     * @param examples the training data.
     * @param validation the validation data (labels must be in the training data's label domain).
     * @return the model.
     */
    public M train(Dataset<T> examples, Dataset<T> validation) {
        return train(examples, validation, Collections.emptyMap(), INCREMENT_INVOCATION_COUNT);
    }

    /**
     * Trains, optionally with a separate validation set.
     * @param examples the training data.
     * @param validation the validation data, or null to hold out {@code validationFraction} of the training data.
     * @param runProvenance extra provenance stored in the model's instance values.
     * @param invocationCount the invocation count to train as, or {@link #INCREMENT_INVOCATION_COUNT}.
     * @return the model.
     * @throws IllegalArgumentException when the data is unusable (fewer than 2 labels, unknown labels, missing text);
     *                                  the message names the example.
     * @throws IllegalStateException when ONNX Runtime fails.
     * @throws UncheckedIOException when a file or checkpoint cannot be read or written.
     */
    public M train(Dataset<T> examples, Dataset<T> validation, Map<String, Provenance> runProvenance,
                               int invocationCount) {
        Objects.requireNonNull(examples, "examples");
        Objects.requireNonNull(runProvenance, "runProvenance");
        checkSupervised(examples, "training");
        if (validation != null) {
            checkSupervised(validation, "validation");
        }
        TrainerProvenance trainerProvenance;
        SplittableRandom localRng;
        Resources res;
        int invocation;
        synchronized (this) {
            if (invocationCount != INCREMENT_INVOCATION_COUNT) {
                setInvocationCount(invocationCount);
            }
            res = resources();
            res.encoder().checkMaxLength(maxLength, "maxLength");
            LoraDropModel.checkEnsembleMemory(res.encoder(), spec(2).lora(), ensembleSize, "ensembleSize");
            localRng = rng.split();
            trainerProvenance = provenanceOf(res);
            invocation = trainInvocationCounter;
            trainInvocationCounter++;
        }
        ImmutableOutputInfo<T> outputs = examples.getOutputIDInfo();
        checkOutputs(outputs);
        Targets<T> targets = targets(examples, outputs);
        DocumentEncoder documents = new DocumentEncoder(res.tokenizer(), maxLength, longText, windowStride);
        int[] truncated = new int[1];
        DocumentEncoder.Rows allRows = encode(examples, targets, documents, "Training", truncated);
        List<EncodedExample> all = allRows.rows();
        List<EncodedExample> train = all;
        List<EncodedExample> valid = List.of();
        SplittableRandom splitRng = localRng.split();
        long runSeed = localRng.nextLong();
        int documentCount = allRows.documents();
        if (validation != null) {
            DocumentEncoder.Rows v = encode(validation, targets, documents, "Validation", truncated);
            valid = v.rows();
            documentCount += v.documents();
            if (validationFraction > 0) {
                logger.info("A validation dataset was given, so validationFraction " + validationFraction + " is ignored");
            }
        } else if (validationFraction > 0) {
            List<List<EncodedExample>> parts = holdOut(allRows, validationFraction, splitRng);
            if (parts.get(0).size() < batchSize) {
                throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "validationFraction %s holds out %d"
                        + " of the %d training examples, leaving %d to train on: fewer than one batch (batchSize %d);"
                        + " lower validationFraction or batchSize, or pass a validation dataset",
                        validationFraction, parts.get(1).size(), all.size(), parts.get(0).size(), batchSize));
            }
            train = parts.get(0);
            valid = parts.get(1);
        }
        if (patience > 0 && valid.isEmpty()) {
            logger.warning("patience is " + patience + " but there is no validation data, so early stopping is off");
        }
        if (truncated[0] > 0) {
            logger.info(String.format("%d of %d texts were longer than maxLength %d tokens (%s)", truncated[0],
                    documentCount, maxLength, longText == LongText.TRUNCATE ? "truncated" : longText.name()));
        }
        ClassifierSpec spec = spec(outputs.size());
        TrainingConfig config = new TrainingConfig(epochs, batchSize, learningRate, warmupFraction, schedule,
                new AdamWConfig(0.9, 0.999, 1e-8, weightDecay, maxGradNorm), dropoutSamples, runSeed, threads, patience,
                logIntervalSeconds);
        logger.info(String.format("Training a LoRA-Drop %s: %d outputs %s, %d training and %d validation examples",
                task(), outputs.size(), outputs.getDomain(), train.size(), valid.size()));
        FineTuner tuner = new FineTuner(res.encoder(), spec, config);
        String initialHead = null;
        if (initialAdapterPath != null) {
            AdapterStart start = initialAdapter(res.encoder(), spec, outputs, runSeed);
            tuner.withInitialParameters(start.params());
            initialHead = start.head().key();
        }
        if (checkpointDir != null) {
            tuner.withCheckpoints(checkpointDir.resolve("invocation-" + invocation), checkpointEvery, resume);
        }
        FineTuneResult result;
        try {
            result = tuner.fit(train, valid, res.tokenizer().padId());
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed during training: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("Checkpoint I/O failed during training: " + e.getMessage(), e);
        }
        Map<String, Provenance> instance = new LinkedHashMap<>(runProvenance);
        instance.putAll(trainingStats(result, train.size(), valid.size(), truncated[0], runSeed));
        if (validation != null) {
            instance.put(VALIDATION_DATASET, validation.getProvenance());
        }
        if (initialHead != null) {
            instance.put(INITIAL_HEAD, new StringProvenance(INITIAL_HEAD, initialHead));
        }
        if (res.encoder().isQuantized()) {
            instance.putAll(quantizationProvenance(res.encoder()));
        }
        instance.putAll(targets.provenance());
        ModelSettings settings = new ModelSettings(maxLength, textKey, pairKey, ensembleSize, ensembleSeed, 1.0,
                embedBaseModel, threads, Math.max(batchSize, 32), longText, windowStride, quantizedMerge);
        ModelProvenance provenance = LoraDropModel.provenanceWithOptions(new ModelProvenance(
                modelClass().getName(), OffsetDateTime.now(), examples.getProvenance(), trainerProvenance, instance), settings);
        return createModel(provenance, examples.getFeatureIDMap(), outputs, res, spec, result.params(), settings, targets);
    }

    /** {@link #QUANTIZATION} and {@link #QUANTIZED_MODULES} of an encoder with int8 or 4-bit layers. */
    static Map<String, Provenance> quantizationProvenance(EncoderModel encoder) {
        List<LinearModule> q = encoder.linears().stream().filter(LinearModule::isQuantized).toList();
        List<String> parts = new ArrayList<>();
        List<LinearModule> int8 = q.stream().filter(LinearModule::isInt8).toList();
        if (!int8.isEmpty()) {
            long perChannel = int8.stream().filter(m -> m.quantized().perChannel()).count();
            String weights = perChannel == int8.size() ? "per output column" : perChannel == 0 ? "per tensor"
                    : perChannel + " per output column, " + (int8.size() - perChannel) + " per tensor";
            parts.add("int8 weights " + weights + ", activations per tensor at run time (dynamic); backward "
                    + encoder.quantizedBackward());
        }
        java.util.Set<Integer> blockSizes = new java.util.TreeSet<>();
        q.stream().filter(LinearModule::isBlockQuantized).forEach(l -> blockSizes.add(l.blockQuantized().blockSize()));
        if (!blockSizes.isEmpty()) {
            parts.add("int4 weights, blocks of " + blockSizes.stream().map(String::valueOf)
                    .collect(java.util.stream.Collectors.joining(" or ")) + " input features per output column,"
                    + " symmetric (zero point " + ai.loradrop.onnx.BlockQuantizedLinears.ZERO_POINT
                    + "); activations float; backward float (dequantized)");
        }
        Map<String, Provenance> m = new LinkedHashMap<>();
        m.put(QUANTIZATION, new StringProvenance(QUANTIZATION, String.join("; ", parts)));
        m.put(QUANTIZED_MODULES, new ListProvenance<>(q.stream()
                .map(l -> new StringProvenance(QUANTIZED_MODULES, l.path())).toList()));
        return m;
    }

    /**
     * The starting point from {@code initialAdapterPath} ({@link AdapterStart}): its LoRA matrices, and its head when
     * the class count matches, else the head PEFT's initialisation gives from the run seed.
     * @throws IllegalArgumentException naming initialAdapterPath when the adapter's rank or targets differ.
     */
    private AdapterStart initialAdapter(EncoderModel encoder, ClassifierSpec spec, ImmutableOutputInfo<T> outputs,
                                        long runSeed) {
        String f = "initialAdapterPath";
        ImportedAdapter a;
        try {
            a = PeftAdapter.read(initialAdapterPath, encoder, effectivePooling, spec.loss());
        } catch (IOException e) {
            throw new UncheckedIOException(f + " " + initialAdapterPath + ": " + e.getMessage(), e);
        }
        ParameterLayout layout = new ParameterLayout(LoraSurgery.select(encoder, spec.lora()), rank, encoder.hiddenSize(), outputs.size());
        // The same draw FineTuner makes for a run from scratch, so a fresh head equals the from-scratch head.
        float[] fresh = layout.initialize(new SplittableRandom(runSeed).split());
        try {
            return AdapterStart.of(a, initialAdapterPath, encoder, spec, outputNames(outputs), fresh);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(f + ": " + e.getMessage(), e);
        }
    }

    private void checkSupervised(Dataset<T> data, String what) {
        if (data.size() == 0) {
            throw new IllegalArgumentException("The " + what + " dataset is empty");
        }
        if (data.getOutputInfo().getUnknownCount() > 0) {
            throw new IllegalArgumentException("The " + what + " dataset holds " + data.getOutputInfo().getUnknownCount()
                    + " examples with the unknown label; this trainer is supervised");
        }
    }

    private DocumentEncoder.Rows encode(Dataset<T> data, Targets<T> targets, DocumentEncoder encoder,
                                        String what, int[] truncated) {
        List<DocumentEncoder.Document> docs = new ArrayList<>(data.size());
        int i = 0;
        for (Example<T> ex : data) {
            Target target = targets.target(ex, i, what);
            try {
                DocumentEncoder.Document doc = TextExamples.document(ex, i, textKey, pairKey, target.label());
                docs.add(target.values() == null ? doc : doc.withTargets(target.values()));
            } catch (IllegalArgumentException err) {
                throw new IllegalArgumentException(what + " data: " + err.getMessage(), err);
            }
            i++;
        }
        DocumentEncoder.Rows rows = encoder.encode(docs);
        truncated[0] += rows.truncated();
        return rows;
    }

    /**
     * Splits off a seeded random fraction of the documents for validation (a document's windows stay together),
     * keeping at least one document on each side.
     */
    private static List<List<EncodedExample>> holdOut(DocumentEncoder.Rows rows, double fraction, SplittableRandom rng) {
        int docs = rows.documents();
        if (docs < 2) {
            throw new IllegalArgumentException("validationFraction needs at least 2 training examples, got " + docs);
        }
        int[] idx = new int[docs];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        for (int i = idx.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        int nValid = (int) Math.min(docs - 1, Math.max(1, Math.round(fraction * docs)));
        int[][] rowsOf = rows.rowsOfDocument();
        List<EncodedExample> valid = new ArrayList<>();
        List<EncodedExample> train = new ArrayList<>();
        for (int i = 0; i < idx.length; i++) {
            for (int r : rowsOf[idx[i]]) {
                (i < nValid ? valid : train).add(rows.rows().get(r));
            }
        }
        return List.of(train, valid);
    }

    ClassifierSpec spec(int numClasses) {
        LoraConfig lora = new LoraConfig(rank, alpha, rsLora, targetModules, targetRegex, dropoutMode, dropout, sparseScaled);
        return new ClassifierSpec(lora, effectivePooling, numClasses, headDropout, headLoss());
    }

    private static Map<String, Provenance> trainingStats(FineTuneResult r, int nTrain, int nValid, int truncated, long runSeed) {
        List<DoubleProvenance> train = new ArrayList<>();
        List<DoubleProvenance> vLoss = new ArrayList<>();
        List<DoubleProvenance> vAcc = new ArrayList<>();
        for (EpochStats e : r.history()) {
            train.add(new DoubleProvenance(TRAIN_LOSS, e.trainLoss()));
            vLoss.add(new DoubleProvenance(VALIDATION_LOSS, e.validationLoss()));
            vAcc.add(new DoubleProvenance(VALIDATION_ACCURACY, e.validationAccuracy()));
        }
        Map<String, Provenance> m = new LinkedHashMap<>();
        m.put(TRAIN_LOSS, new ListProvenance<>(train));
        m.put(VALIDATION_LOSS, new ListProvenance<>(vLoss));
        m.put(VALIDATION_ACCURACY, new ListProvenance<>(vAcc));
        m.put(CHOSEN_EPOCH, new IntProvenance(CHOSEN_EPOCH, r.chosenEpoch()));
        m.put(STEPS, new LongProvenance(STEPS, r.steps()));
        m.put(TRAIN_SECONDS, new DoubleProvenance(TRAIN_SECONDS, r.trainSeconds()));
        m.put(EXAMPLES_PER_SECOND, new DoubleProvenance(EXAMPLES_PER_SECOND, r.examplesPerSecond()));
        m.put(TRAIN_EXAMPLES, new IntProvenance(TRAIN_EXAMPLES, nTrain));
        m.put(VALIDATION_EXAMPLES, new IntProvenance(VALIDATION_EXAMPLES, nValid));
        m.put(TRUNCATED_EXAMPLES, new IntProvenance(TRUNCATED_EXAMPLES, truncated));
        m.put(RUN_SEED, new LongProvenance(RUN_SEED, runSeed));
        return m;
    }

    // ---------------------------------------------------------------------------------------------- resources

    /**
     * The encoder and tokenizer with their file fingerprints; reloaded only when a file's size or modification
     * time changes.
     */
    record Resources(EncoderModel encoder, BaseModelFile base, Tokenizer tokenizer, long tokenizerSize,
                             Stamp baseStamp, Stamp tokenizerStamp) {}

    private record Stamp(Path path, long size, FileTime modified) {
        static Stamp of(Path p) throws IOException {
            Path abs = p.toAbsolutePath().normalize();
            return new Stamp(abs, Files.size(abs), Files.getLastModifiedTime(abs));
        }
    }

    synchronized Resources resources() {
        try {
            Stamp b = Stamp.of(modelFile());
            Stamp t = Stamp.of(tokenizerFile());
            Resources r = cachedResources;
            if (r != null && r.baseStamp().equals(b) && r.tokenizerStamp().equals(t)) {
                return r;
            }
            EncoderModel encoder = r != null && r.baseStamp().equals(b) ? r.encoder()
                    : EncoderModel.load(b.path()).quantized(quantizeBase).withQuantizedBackward(quantizedBackward);
            BaseModelFile base = r != null && r.baseStamp().equals(b) ? r.base()
                    : new BaseModelFile(b.path().toString(), Sha256.ofFile(b.path()), b.size());
            Tokenizer tok = Tokenizer.fromFile(t.path());
            TokenizerFit.check(tok, encoder, t.path().toString(), b.path().toString());
            cachedResources = new Resources(encoder, base, tok, t.size(), b, t);
            return cachedResources;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the base model or tokenizer: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------------------------------------- Trainer API

    @Override
    public int getInvocationCount() {
        return trainInvocationCounter;
    }

    @Override
    public synchronized void setInvocationCount(int invocationCount) {
        if (invocationCount < 0) {
            throw new IllegalArgumentException("The invocation count must be non-negative, got " + invocationCount);
        }
        rng = new SplittableRandom(seed);
        for (trainInvocationCounter = 0; trainInvocationCounter < invocationCount; trainInvocationCounter++) {
            rng.split();
        }
    }

    /**
     * The trainer's provenance, hashing the base model and tokenizer files (cached while they are unchanged).
     * @return the provenance.
     */
    @Override
    public synchronized TrainerProvenance getProvenance() {
        return provenanceOf(resources());
    }

    private LoraDropTrainerProvenance provenanceOf(Resources r) {
        String adapterSha = null;
        if (initialAdapterPath != null) {
            adapterSha = Sha256.ofFile(initialAdapterPath.resolve(PeftAdapter.WEIGHTS_FILE));
        }
        String artifact = encoderFiles == null ? null : encoderFiles.artifact().coordinates();
        return new LoraDropTrainerProvenance(this, r.base(), r.tokenizer().sourceSha256(), r.tokenizerSize(), adapterSha, artifact);
    }

    // ---------------------------------------------------------------------------------------------- per output type

    /**
     * One example's training target.
     * @param label the class index (softmax heads), else -1.
     * @param values the float targets (sigmoid and regression heads), else null.
     */
    record Target(int label, float[] values) {}

    /**
     * How the outputs of one training run become the head's targets.
     * @param <T> the output type.
     */
    interface Targets<T extends Output<T>> {
        /**
         * An example's training target.
         * @param example the example.
         * @param index its index in its dataset.
         * @param what "Training" or "Validation", for error messages.
         * @return the target.
         * @throws IllegalArgumentException naming the example when its output is outside the training domain.
         */
        Target target(Example<T> example, int index, String what);

        /**
         * What the run records about its targets in the model's instance provenance (for instance the
         * standardisation of regression targets).
         * @return the entries (empty by default).
         */
        default Map<String, Provenance> provenance() {
            return Map.of();
        }
    }

    /**
     * The head's output function and loss.
     * @return the loss.
     */
    abstract HeadLoss headLoss();

    /**
     * Refuses an output domain the head cannot train on.
     * @param outputs the training data's outputs.
     * @throws IllegalArgumentException naming what is wrong.
     */
    abstract void checkOutputs(ImmutableOutputInfo<T> outputs);

    /**
     * The targets of a run, fitted on its training data (regression standardises on it).
     * @param train the training data.
     * @param outputs the training data's outputs.
     * @return the targets.
     */
    abstract Targets<T> targets(Dataset<T> train, ImmutableOutputInfo<T> outputs);

    /**
     * The names of the head's outputs in id order (labels, or regression dimensions), for adapters.
     * @param outputs the outputs.
     * @return the names.
     */
    abstract List<String> outputNames(ImmutableOutputInfo<T> outputs);

    /**
     * What the trainer trains, for log lines ("classifier", "multi-label model", "regression model").
     * @return the description.
     */
    abstract String task();

    /**
     * The model class, recorded in its provenance.
     * @return the class.
     */
    abstract Class<M> modelClass();

    /**
     * Wraps a trained head.
     * @param provenance the model provenance.
     * @param features the feature map of the training data.
     * @param outputs the output domain.
     * @param res the encoder and tokenizer.
     * @param spec the program specification.
     * @param params the trained parameters.
     * @param settings the model settings.
     * @param targets the run's targets.
     * @return the model.
     */
    abstract M createModel(ModelProvenance provenance, ImmutableFeatureMap features, ImmutableOutputInfo<T> outputs,
                           Resources res, ClassifierSpec spec, float[] params, ModelSettings settings, Targets<T> targets);

    // ---------------------------------------------------------------------------------------------- settings

    /**
     * One {@code @Config} setting of the trainer: the single source of its name, type, description and default.
     *
     * @param name         the field name (as in OLCUT configuration files).
     * @param type         the field's type ({@code List.class} for lists of strings).
     * @param description  the {@code @Config} description.
     * @param defaultValue the default (null when unset by default); lists are immutable.
     * @param mandatory    whether OLCUT requires it.
     * @param field        the field itself.
     */
    public record Setting(String name, Class<?> type, String description, Object defaultValue, boolean mandatory,
                          java.lang.reflect.Field field) {}

    /**
     * Every {@code @Config} setting of a trainer class, the inherited shared ones first, each in declaration order,
     * with the default a new trainer has.
     * @param type the trainer class.
     * @param defaults a new, unconfigured trainer of that class.
     * @return the settings.
     */
    static List<Setting> readSettings(Class<?> type, Object defaults) {
        List<Class<?>> chain = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            chain.add(0, c);
        }
        List<Setting> out = new ArrayList<>();
        for (Class<?> c : chain) {
            for (java.lang.reflect.Field f : c.getDeclaredFields()) {
                Config cfg = f.getAnnotation(Config.class);
                if (cfg == null) {
                    continue;
                }
                f.setAccessible(true);
                try {
                    out.add(new Setting(f.getName(), f.getType(), cfg.description(), f.get(defaults), cfg.mandatory(), f));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The settings by name.
     * @param settings the settings.
     * @return an unmodifiable map in the same order.
     */
    static Map<String, Setting> indexSettings(List<Setting> settings) {
        Map<String, Setting> m = new LinkedHashMap<>();
        for (Setting s : settings) {
            m.put(s.name(), s);
        }
        return Collections.unmodifiableMap(m);
    }

    /**
     * Sets a setting of a builder's draft trainer by its field name (the builders' {@code set}).
     * @param settings the trainer's settings by name.
     * @param draft the draft trainer.
     * @param trainer the trainer's class name, for errors.
     * @param field the field name.
     * @param value the value, of the field's type (boxed for primitives; a {@code List<String>} for lists).
     * @throws IllegalArgumentException when there is no such field or the value has the wrong type.
     */
    static void setSetting(Map<String, Setting> settings, Object draft, String trainer, String field, Object value) {
        Setting s = settings.get(field);
        if (s == null) {
            throw new IllegalArgumentException(trainer + " has no setting '" + field + "'; settings: " + settings.keySet());
        }
        if (value == null && s.type().isPrimitive()) {
            throw new IllegalArgumentException("Setting '" + field + "' of type " + s.type().getSimpleName() + " cannot be null");
        }
        if (value != null && !box(s.type()).isInstance(value)) {
            throw new IllegalArgumentException("Setting '" + field + "' needs a " + s.type().getSimpleName() + ", got a "
                    + value.getClass().getSimpleName());
        }
        if (value instanceof List<?> l) {
            for (Object o : l) {
                if (o != null && !(o instanceof String)) {
                    throw new IllegalArgumentException("Setting '" + field + "' needs a list of strings, got " + l);
                }
            }
            value = List.copyOf(l);
        }
        try {
            s.field().set(draft, value);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * What every trainer's builder shares: a draft trainer holding the settings so far (never validated or used, only
     * copied by {@link #build()}), settings by their {@code @Config} field name, and the validated build.
     *
     * @param <R> the trainer.
     * @param <B> the builder, for chained calls.
     */
    public abstract static class SettingsBuilder<R extends AbstractLoraDropTrainer<?, ?>, B extends SettingsBuilder<R, B>> {
        /** The settings so far. */
        final R draft;
        private final java.util.function.Supplier<R> fresh;
        private final List<Setting> settings;
        private final Map<String, Setting> byName;

        SettingsBuilder(java.util.function.Supplier<R> fresh, List<Setting> settings, Map<String, Setting> byName) {
            this.fresh = fresh;
            this.draft = fresh.get();
            this.settings = settings;
            this.byName = byName;
        }

        /** Starts from base encoder and tokenizer files. */
        final B files(Path baseModelPath, Path tokenizerPath) {
            draft.baseModelPath = baseModelPath;
            draft.tokenizerPath = tokenizerPath;
            return self();
        }

        /** Starts from a named encoder. */
        final B named(NamedEncoder encoder) {
            draft.encoder = Objects.requireNonNull(encoder, "encoder").encoderName();
            return self();
        }

        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }

        /**
         * Sets a setting by its {@code @Config} field name, for tools that configure the trainer generically (the CLI).
         * @param field the field name, one of the trainer's {@code settings()}.
         * @param value the value, of the field's type (boxed for primitives; a {@code List<String>} for lists).
         * @return this.
         * @throws IllegalArgumentException when there is no such field or the value has the wrong type.
         */
        public B set(String field, Object value) {
            setSetting(byName, draft, draft.getClass().getSimpleName(), field, value);
            return self();
        }

        /**
         * Builds and validates the trainer.
         * @return the trainer.
         * @throws PropertyException naming the field when a setting is invalid.
         */
        public R build() {
            return copySettings(settings, draft, fresh.get());
        }
    }

    /**
     * Copies every setting of a draft into a new trainer and validates it (the builders' {@code build}).
     * @param settings the trainer's settings.
     * @param draft the draft.
     * @param target the new trainer.
     * @param <R> the trainer type.
     * @return the validated trainer.
     * @throws PropertyException naming the field when a setting is invalid.
     */
    static <R extends AbstractLoraDropTrainer<?, ?>> R copySettings(List<Setting> settings, R draft, R target) {
        try {
            for (Setting s : settings) {
                s.field().set(target, s.field().get(draft));
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        target.postConfig();
        return target;
    }

    private static Class<?> box(Class<?> c) {
        if (!c.isPrimitive()) {
            return c;
        }
        return c == int.class ? Integer.class : c == long.class ? Long.class : c == double.class ? Double.class
                : c == boolean.class ? Boolean.class : c == float.class ? Float.class : c;
    }
}

