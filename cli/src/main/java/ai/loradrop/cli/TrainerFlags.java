package ai.loradrop.cli;

import ai.loradrop.head.Pooling;
import ai.loradrop.lora.DropoutMode;
import ai.loradrop.text.LongText;
import ai.loradrop.train.LrSchedule;
import ai.loradrop.tribuo.LoraDropTrainer;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import org.tribuo.Trainer;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The hyperparameter options of {@code loradrop train}, named after the {@link LoraDropTrainer} configuration fields
 * ({@code --learning-rate} sets {@code learningRate}), and their translation into a trainer builder. Defaults are
 * the trainer's.
 */
final class TrainerFlags {
    private TrainerFlags() {}

    /** Valued options, in help order, each mapped to its trainer field. */
    static final Map<String, String> OPTIONS = orderedMap(
            "--epochs", "epochs",
            "--batch-size", "batchSize",
            "--learning-rate", "learningRate",
            "--rank", "rank",
            "--alpha", "alpha",
            "--target-modules", "targetModules",
            "--target-regex", "targetRegex",
            "--dropout-mode", "dropoutMode",
            "--dropout", "dropout",
            "--dropout-samples", "dropoutSamples",
            "--head-dropout", "headDropout",
            "--max-length", "maxLength",
            "--long-text", "longText",
            "--window-stride", "windowStride",
            "--pooling", "pooling",
            "--warmup-fraction", "warmupFraction",
            "--schedule", "schedule",
            "--weight-decay", "weightDecay",
            "--max-grad-norm", "maxGradNorm",
            "--seed", "seed",
            "--threads", "threads",
            "--patience", "patience",
            "--validation-fraction", "validationFraction",
            "--checkpoint-dir", "checkpointDir",
            "--checkpoint-every", "checkpointEvery",
            "--peft", "initialAdapterPath");

    /** Switches, each mapped to its trainer field. */
    static final Map<String, String> FLAGS = orderedMap(
            "--rslora", "rsLora",
            "--sparse-unscaled", "sparseScaled",
            "--reference-base-model", "embedBaseModel",
            "--resume", "resume");

    /** The help lines of the hyperparameter options. */
    static final String HELP = String.join("\n",
            "Hyperparameters (LoraDropTrainer fields; defaults in brackets):",
            "  --epochs N               passes over the training data [6]",
            "  --batch-size N           examples per step [32]",
            "  --learning-rate X        peak AdamW learning rate [2e-3]",
            "  --rank N                 LoRA rank r [8]",
            "  --alpha X                LoRA alpha; scale alpha/r [16]",
            "  --rslora                 rsLoRA scale alpha/sqrt(r)",
            "  --target-modules a,b     module name suffixes that get adapters [query,value]",
            "  --target-regex RE        full-path regex instead of --target-modules",
            "  --dropout-mode M         NONE | INPUT (PEFT lora_dropout) | SPARSE (Lin et al.) [SPARSE]",
            "  --dropout P              LoRA dropout probability [0.3]",
            "  --sparse-unscaled        SPARSE masks without the 1/(1-p) scale",
            "  --dropout-samples N      dropout instances averaged per example and step [1]",
            "  --head-dropout P         dropout on the pooled vector [0]",
            "  --max-length N           tokens per example, special tokens included [128]",
            "  --long-text M            longer texts: TRUNCATE | HEAD_TAIL (first quarter and last tokens) |",
            "                           WINDOWS (overlapping windows, a document = mean of its windows) [TRUNCATE]",
            "  --window-stride N        WINDOWS: word pieces between window starts [64]",
            "  --pooling P              MEAN | FIRST_TOKEN [the named encoder's, else MEAN]",
            "  --warmup-fraction X      share of steps in linear warm-up [0.06]",
            "  --schedule S             LINEAR | COSINE | CONSTANT [LINEAR]",
            "  --weight-decay X         AdamW weight decay [0.01]",
            "  --max-grad-norm X        gradient-norm clipping, 0 = off [0]",
            "  --seed N                 seed of initialisation, order and masks [" + Trainer.DEFAULT_SEED + "]",
            "  --threads N              ONNX Runtime threads, 0 = its choice [0]",
            "  --patience N             early stopping on validation loss, 0 = off [0]",
            "  --validation-fraction X  hold out this share of --train when no --dev is given [0]",
            "  --reference-base-model   save the model with a reference (path + SHA-256) to the base encoder",
            "                           instead of embedding it",
            "  --checkpoint-dir DIR     write training checkpoints here",
            "  --checkpoint-every N     steps between checkpoints [500]",
            "  --resume                 resume from the checkpoint in --checkpoint-dir");

    /**
     * Builds the trainer.
     * @param a the parsed options.
     * @param base the base model files.
     * @param pairKey the metadata key of the second text, or null for single texts.
     * @return the trainer.
     * @throws UsageException when a value is malformed or rejected by the trainer (naming the option).
     */
    static LoraDropTrainer trainer(Args a, BaseModelFiles base, String pairKey) {
        LoraDropTrainer.Builder b = (base.encoder() != null ? LoraDropTrainer.builder(base.encoder())
                : LoraDropTrainer.builder(base.onnx(), base.tokenizer()))
                .epochs(a.intValue("--epochs", 6))
                .batchSize(a.intValue("--batch-size", 32))
                .learningRate(a.doubleValue("--learning-rate", 2e-3))
                .rank(a.intValue("--rank", 8))
                .alpha(a.doubleValue("--alpha", 16))
                .rsLora(a.flag("--rslora"))
                .targetModules(a.list("--target-modules", List.of("query", "value")))
                .targetRegex(a.value("--target-regex", null))
                .dropout(a.enumValue("--dropout-mode", DropoutMode.class, DropoutMode.SPARSE), a.doubleValue("--dropout", 0.3))
                .sparseScaled(!a.flag("--sparse-unscaled"))
                .dropoutSamples(a.intValue("--dropout-samples", 1))
                .headDropout(a.doubleValue("--head-dropout", 0.0))
                .maxLength(a.intValue("--max-length", 128))
                .longText(a.enumValue("--long-text", LongText.class, LongText.TRUNCATE))
                .windowStride(a.intValue("--window-stride", 64))
                .pooling(a.enumValue("--pooling", Pooling.class, null))
                .warmupFraction(a.doubleValue("--warmup-fraction", 0.06))
                .schedule(a.enumValue("--schedule", LrSchedule.class, LrSchedule.LINEAR))
                .weightDecay(a.doubleValue("--weight-decay", 0.01))
                .maxGradNorm(a.doubleValue("--max-grad-norm", 0.0))
                .seed(a.longValue("--seed", Trainer.DEFAULT_SEED))
                .threads(a.intValue("--threads", 0))
                .patience(a.intValue("--patience", 0))
                .validationFraction(a.doubleValue("--validation-fraction", 0.0))
                .embedBaseModel(!a.flag("--reference-base-model"))
                .pairKey(pairKey);
        if (a.has("--peft")) {
            b.initialAdapterPath(AdapterModel.adapterDir(a));
        }
        if (a.has("--checkpoint-dir") || a.flag("--resume") || a.has("--checkpoint-every")) {
            if (!a.has("--checkpoint-dir")) {
                throw a.error("--resume and --checkpoint-every need --checkpoint-dir");
            }
            b.checkpoints(Path.of(a.require("--checkpoint-dir")), a.intValue("--checkpoint-every", 500), a.flag("--resume"));
        }
        try {
            return b.build();
        } catch (PropertyException e) {
            if ("initialAdapterPath".equals(e.getProperty())) {
                // The folder was checked above, so this is an adapter that does not fit the settings: a failure.
                throw new IllegalArgumentException("The adapter given to --peft does not fit the training settings: " + e.getMsg(), e);
            }
            throw a.error("Invalid " + flagOf(e.getProperty()) + ": " + e.getMsg());
        }
    }

    /** The option that sets a trainer field, for error messages. */
    static String flagOf(String field) {
        for (Map.Entry<String, String> e : OPTIONS.entrySet()) {
            if (e.getValue().equals(field)) {
                return e.getKey();
            }
        }
        for (Map.Entry<String, String> e : FLAGS.entrySet()) {
            if (e.getValue().equals(field)) {
                return e.getKey();
            }
        }
        return switch (field) {
            case "encoder" -> "--encoder";
            case "baseModelPath" -> "--base-model";
            case "tokenizerPath" -> "--tokenizer";
            default -> field;
        };
    }

    /** The hyperparameter options as given on the command line, for the report's settings. */
    static Map<String, Object> given(Args a) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String o : OPTIONS.keySet()) {
            if (a.has(o)) {
                m.put(OPTIONS.get(o), a.value(o, null));
            }
        }
        for (String f : FLAGS.keySet()) {
            if (a.flag(f)) {
                m.put(FLAGS.get(f), f.equals("--sparse-unscaled") || f.equals("--reference-base-model") ? false : true);
            }
        }
        return m;
    }

    private static Map<String, String> orderedMap(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }
}
