/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

import ai.loradrop.head.HeadLoss;
import ai.loradrop.head.Pooling;
import ai.loradrop.lora.DropoutMode;
import ai.loradrop.lora.LoraConfig;
import ai.loradrop.lora.LoraSurgery;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.onnx.LinearModule;
import ai.loradrop.programs.ClassifierSpec;
import ai.loradrop.programs.ParameterLayout;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEFT LoRA adapter folders, both ways.
 * <p>
 * <b>Export</b> writes {@code adapter_model.safetensors} with PEFT's keys
 * ({@code base_model.model.<module>.lora_A.weight}, {@code r × in}; {@code ...lora_B.weight}, {@code out × r}; the
 * head as {@code base_model.model.classifier.weight} / {@code .bias}, see {@link HeadKeyStyle}),
 * {@code adapter_config.json} with PEFT's long-standing keys only ({@code peft_type}, {@code task_type},
 * {@code r}, {@code lora_alpha}, {@code lora_dropout}, {@code target_modules}, {@code modules_to_save},
 * {@code bias}, {@code fan_in_fan_out}, {@code use_rslora}, {@code inference_mode},
 * {@code base_model_name_or_path}), {@code loradrop_config.json} with what PEFT has no keys for (dropout mode
 * and probability, sparse scaling, dropout samples, ensemble, pooling, head dropout, maximum length and sentence-pair
 * key, the encoder's hidden size and layer count, the tokenizer's special ids) and {@value AdapterLabels#FILE_NAME}
 * with the labels. The folder is written as a whole (see {@code AdapterFolder}). Module paths lose the ONNX
 * export's wrapper prefix (e.g. {@code m.} or {@code bert.}) so that keys read
 * {@code base_model.model.encoder.layer.0.attention.self.query.lora_A.weight}.
 * <p>
 * <b>Import</b> reads such a folder, or one written by PEFT itself (no sidecar; LoRA keys possibly in the
 * in-memory form {@code lora_A.default.weight}; head keys as {@code classifier.weight},
 * {@code base_model.model.classifier.weight} or {@code ...classifier.modules_to_save[.default].weight}, or
 * {@code score.*}), onto an encoder, matching modules by path suffix as PEFT matches target modules. Missing,
 * unexpected or misshapen tensors fail with the key, the expected and the found shape.
 */
public final class PeftAdapter {
    private static final Logger logger = Logger.getLogger(PeftAdapter.class.getName());

    /** The weights file of an adapter folder. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** The PEFT configuration file of an adapter folder. */
    public static final String CONFIG_FILE = "adapter_config.json";
    /** LoRA-Drop's sidecar with the settings PEFT has no keys for. */
    public static final String SIDECAR_FILE = "loradrop_config.json";
    /** Format name in the sidecar. */
    static final String SIDECAR_FORMAT = "loradrop-adapter";
    /**
     * Format version of the sidecar written. Version 2 adds {@code input} (maximum length, text and pair keys),
     * {@code encoder} (hidden size, layers) and {@code tokenizer} (special ids). Version 3 adds {@code problem_type}
     * (Hugging Face's {@code single_label_classification}, {@code multi_label_classification} or {@code regression}),
     * {@code head_loss}, the multi-label {@code threshold} and the regression {@code target} standardisation
     * ({@code mean}, {@code std} per head row): a reader of version 2 would take a multi-label or regression head
     * for a softmax classifier, so it must refuse these folders. Versions 1 and 2 are still read (as
     * single-label classifiers).
     */
    static final int SIDECAR_VERSION = 3;

    /** Standard roots of a transformer's layer stack; what precedes them in a module path is a wrapper prefix. */
    private static final List<String> LAYER_ROOTS = List.of("encoder.layer.", "transformer.layer.", "encoder.layers.");
    private static final Pattern LAYER_INDEX = Pattern.compile("(?:^|\\.)(?:encoder\\.layer|transformer\\.layer|encoder\\.layers)\\.(\\d+)(?:\\.|$)");
    private static final Pattern LORA_KEY = Pattern.compile("^(?:base_model\\.model\\.)?(.+)\\.lora_([AB])(?:\\.([^.]+))?\\.weight$");
    private static final Pattern HEAD_KEY = Pattern.compile(
            "^(?:base_model\\.model\\.)?(classifier|score)(?:\\.(modules_to_save|original_module)(?:\\.([^.]+))?)?\\.(weight|bias)$");

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private PeftAdapter() {}

    /**
     * Writes an adapter folder as a whole: the files go to a temporary sibling folder that replaces the folder once
     * all of them are complete, so a failure or a kill leaves either the previous folder or the new one, never a
     * mixture (other entries of an existing folder are carried over).
     * @param dir the folder.
     * @param encoder the encoder the adapter was trained on.
     * @param spec the classifier.
     * @param params the flat trained parameters.
     * @param options export settings.
     * @throws IOException when the folder or a file cannot be written.
     * @throws IllegalArgumentException when the parameters do not fit the spec, hold non-finite values, or the
     *                                  prefix to strip does not fit the module paths.
     */
    public static void write(Path dir, EncoderModel encoder, ClassifierSpec spec, float[] params,
                             AdapterExportOptions options) throws IOException {
        List<LinearModule> targets = LoraSurgery.select(encoder, spec.lora());
        ParameterLayout layout = new ParameterLayout(targets, spec.lora().rank(), encoder.hiddenSize(), spec.numClasses());
        if (params.length != layout.size()) {
            throw new IllegalArgumentException("params hold " + params.length + " values but the spec on this encoder needs "
                    + layout.size() + " (" + targets.size() + " LoRA targets, rank " + spec.lora().rank() + ", "
                    + spec.numClasses() + " classes)");
        }
        for (ParameterLayout.Entry e : layout.entries()) {
            for (int i = 0; i < e.size(); i++) {
                if (!Float.isFinite(params[e.offset() + i])) {
                    throw new IllegalArgumentException("Parameter '" + e.name() + "' holds a non-finite value ("
                            + params[e.offset() + i] + " at element " + i + "); refusing to export a diverged adapter");
                }
            }
        }
        List<String> paths = targets.stream().map(LinearModule::path).toList();
        String strip = options.stripPrefix() != null ? options.stripPrefix() : detectPrefix(paths);
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        List<String> keyModules = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            String path = targets.get(i).path();
            if (!path.startsWith(strip)) {
                throw new IllegalArgumentException("Module '" + path + "' does not start with the prefix to strip '" + strip
                        + "'; pass the prefix explicitly (AdapterExportOptions.withStripPrefix)");
            }
            String km = options.keyPrefix() + path.substring(strip.length());
            keyModules.add(km);
            ParameterLayout.Entry a = layout.loraA(i);
            ParameterLayout.Entry b = layout.loraB(i);
            tensors.put(ParameterLayout.loraKey(km, "A"), slice(params, a));
            tensors.put(ParameterLayout.loraKey(km, "B"), slice(params, b));
        }
        tensors.put(options.headKeys().weightKey(), slice(params, layout.entry(ParameterLayout.CLASSIFIER_WEIGHT)));
        tensors.put(options.headKeys().biasKey(), slice(params, layout.entry(ParameterLayout.CLASSIFIER_BIAS)));
        if (tensors.size() != 2 * targets.size() + 2) {
            throw new IllegalArgumentException("Module paths collide after stripping '" + strip + "': " + keyModules);
        }
        checkOutputs(spec, options.outputs());
        byte[] config = pythonStyle(adapterConfig(spec, keyModules, options));
        byte[] sidecar = pythonStyle(sidecar(spec, paths, strip, options, encoder));

        byte[] labels = options.labels().isEmpty() ? null : AdapterLabels.bytes(options.labels());
        if (labels != null && options.labels().size() != spec.numClasses()) {
            throw new IllegalArgumentException("Got " + options.labels().size() + " labels " + options.labels() + " for a head of "
                    + spec.numClasses() + " classes");
        }
        Map<String, AdapterFolder.FileContent> files = new LinkedHashMap<>();
        files.put(WEIGHTS_FILE, f -> SafeTensorsWriter.write(f, tensors, Map.of("format", "pt")));
        files.put(CONFIG_FILE, AdapterFolder.bytes("PEFT adapter config", config));
        files.put(SIDECAR_FILE, AdapterFolder.bytes("LoRA-Drop adapter settings", sidecar));
        if (labels != null) {
            files.put(AdapterLabels.FILE_NAME, AdapterFolder.bytes("the adapter labels", labels));
        }
        AdapterFolder.write(dir, files);
        logger.fine(() -> "Wrote PEFT adapter to " + dir + ": " + tensors.size() + " tensors, stripped prefix '" + strip + "'");
    }

    /** The recorded output settings must be those of the head's problem type. */
    private static void checkOutputs(ClassifierSpec spec, AdapterOutputs o) {
        ProblemType type = ProblemType.of(spec.loss());
        if (type == ProblemType.REGRESSION) {
            if (!o.hasStandardisation() || o.targetMean().length != spec.numClasses()) {
                throw new IllegalArgumentException("A regression head of " + spec.numClasses() + " outputs needs its target"
                        + " standardisation (AdapterExportOptions.withOutputs(AdapterOutputs.regression(mean, std)), one each"
                        + " per output), got " + (o.hasStandardisation() ? o.targetMean().length + " values" : "none"));
            }
        } else if (o.hasStandardisation()) {
            throw new IllegalArgumentException("A target standardisation applies to regression heads, not to " + type);
        }
        if (type != ProblemType.MULTI_LABEL_CLASSIFICATION && !Double.isNaN(o.threshold())) {
            throw new IllegalArgumentException("A decision threshold applies to multi-label heads, not to " + type);
        }
    }

    private static FloatTensor slice(float[] params, ParameterLayout.Entry e) {
        return new FloatTensor(e.shape(), Arrays.copyOfRange(params, e.offset(), e.offset() + e.size()));
    }

    /**
     * The wrapper prefix of an export's module paths: the text before the layer stack root
     * ({@code encoder.layer.}, {@code transformer.layer.} or {@code encoder.layers.}), e.g. {@code "m."} for
     * {@code m.encoder.layer.0.attention.self.query}; empty when no path contains a root.
     * @param modulePaths the module paths.
     * @return the prefix, ending in '.' or empty.
     * @throws IllegalArgumentException when paths disagree about the prefix.
     */
    public static String detectPrefix(List<String> modulePaths) {
        Set<String> found = new LinkedHashSet<>();
        for (String p : modulePaths) {
            for (String root : LAYER_ROOTS) {
                int i = indexOfSegment(p, root);
                if (i >= 0) {
                    found.add(p.substring(0, i));
                    break;
                }
            }
        }
        if (found.size() > 1) {
            throw new IllegalArgumentException("Module paths carry different prefixes " + found
                    + "; pass the prefix to strip explicitly (AdapterExportOptions.withStripPrefix)");
        }
        return found.isEmpty() ? "" : found.iterator().next();
    }

    /** The path from its layer stack root on ({@code encoder.layer.0.x} for {@code bert.encoder.layer.0.x}), or null. */
    private static String fromLayerRoot(String path) {
        for (String root : LAYER_ROOTS) {
            int i = indexOfSegment(path, root);
            if (i >= 0) {
                return path.substring(i);
            }
        }
        return null;
    }

    private static int indexOfSegment(String path, String root) {
        int from = 0;
        while (true) {
            int i = path.indexOf(root, from);
            if (i < 0) {
                return -1;
            }
            if (i == 0 || path.charAt(i - 1) == '.') {
                return i;
            }
            from = i + 1;
        }
    }

    private static ObjectNode adapterConfig(ClassifierSpec spec, List<String> keyModules, AdapterExportOptions o) {
        LoraConfig l = spec.lora();
        ObjectNode c = JSON.createObjectNode();
        if (o.baseModel() == null) {
            c.putNull("base_model_name_or_path");
        } else {
            c.put("base_model_name_or_path", o.baseModel());
        }
        c.put("bias", "none");
        c.put("fan_in_fan_out", false);
        c.put("inference_mode", true);
        putNumber(c, "lora_alpha", l.alpha());
        c.put("lora_dropout", l.dropoutMode() == DropoutMode.INPUT ? l.dropout() : 0.0);
        c.putArray("modules_to_save").add("classifier");
        c.put("peft_type", "LORA");
        c.put("r", l.rank());
        ArrayNode t = c.putArray("target_modules");
        // A regex is matched against our own (prefixed) module paths; PEFT's names differ, so list the modules
        // instead: PEFT matches list entries as path suffixes.
        (l.targetRegex() != null ? keyModules : l.targetModules()).forEach(t::add);
        c.put("task_type", "SEQ_CLS");
        c.put("use_rslora", l.rsLora());
        return c;
    }

    private static ObjectNode sidecar(ClassifierSpec spec, List<String> paths, String strip, AdapterExportOptions o,
                                      EncoderModel encoder) {
        LoraConfig l = spec.lora();
        ObjectNode c = JSON.createObjectNode();
        c.put("format", SIDECAR_FORMAT);
        c.put("format_version", SIDECAR_VERSION);
        c.put("num_classes", spec.numClasses());
        c.put("problem_type", ProblemType.of(spec.loss()).hfName());
        c.put("head_loss", spec.loss().name());
        if (Double.isNaN(o.outputs().threshold())) {
            c.putNull("threshold");
        } else {
            c.put("threshold", o.outputs().threshold());
        }
        if (!o.outputs().hasStandardisation()) {
            c.putNull("target");
        } else {
            ObjectNode t = c.putObject("target");
            ArrayNode mean = t.putArray("mean");
            ArrayNode std = t.putArray("std");
            for (int i = 0; i < spec.numClasses(); i++) {
                mean.add(o.outputs().targetMean()[i]);
                std.add(o.outputs().targetStd()[i]);
            }
        }
        c.put("pooling", spec.pooling().name());
        c.put("head_dropout", spec.headDropout());
        ObjectNode lo = c.putObject("lora");
        lo.put("rank", l.rank());
        lo.put("alpha", l.alpha());
        lo.put("rs_lora", l.rsLora());
        l.targetModules().forEach(lo.putArray("target_modules")::add);
        if (l.targetRegex() == null) {
            lo.putNull("target_regex");
        } else {
            lo.put("target_regex", l.targetRegex());
        }
        lo.put("dropout_mode", l.dropoutMode().name());
        lo.put("dropout", l.dropout());
        lo.put("sparse_scaled", l.sparseScaled());
        c.put("dropout_samples", o.dropoutSamples());
        ObjectNode en = c.putObject("ensemble");
        en.put("members", o.ensembleMembers());
        en.put("seed", o.ensembleSeed());
        paths.forEach(c.putArray("module_paths")::add);
        c.put("stripped_prefix", strip);
        c.put("key_prefix", o.keyPrefix());
        c.put("head_keys", o.headKeys().name());
        c.put("loradrop_version", Versions.loradrop());
        ObjectNode enc = c.putObject("encoder");
        enc.put("hidden_size", encoder.hiddenSize());
        enc.put("layers", layerCount(encoder));
        enc.put("vocab_size", encoder.vocabSize());
        if (o.input() == null) {
            c.putNull("input");
        } else {
            ObjectNode in = c.putObject("input");
            in.put("max_length", o.input().maxLength());
            in.put("text_key", o.input().textKey());
            if (o.input().pairKey() == null) {
                in.putNull("pair_key");
            } else {
                in.put("pair_key", o.input().pairKey());
            }
        }
        if (o.tokenizer() == null) {
            c.putNull("tokenizer");
        } else {
            ObjectNode t = c.putObject("tokenizer");
            t.put("vocab_size", o.tokenizer().vocabSize());
            t.put("cls_id", o.tokenizer().clsId());
            t.put("sep_id", o.tokenizer().sepId());
            t.put("pad_id", o.tokenizer().padId());
            t.put("unk_id", o.tokenizer().unkId());
        }
        return c;
    }

    private static void putNumber(ObjectNode c, String key, double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            c.put(key, (long) v);
        } else {
            c.put(key, v);
        }
    }

    /** JSON as Python's {@code json.dumps(indent=2, sort_keys=True)} lays it out, which is how PEFT writes configs. */
    private static byte[] pythonStyle(ObjectNode node) {
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));
        DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
        pp.indentArraysWith(indenter);
        pp.indentObjectsWith(indenter);
        try {
            return (JSON.writer(pp).writeValueAsString(sortKeys(node)) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialize adapter JSON", e);
        }
    }

    private static JsonNode sortKeys(JsonNode n) {
        if (n.isObject()) {
            ObjectNode out = JSON.createObjectNode();
            TreeMap<String, JsonNode> sorted = new TreeMap<>();
            n.fields().forEachRemaining(e -> sorted.put(e.getKey(), sortKeys(e.getValue())));
            sorted.forEach(out::set);
            return out;
        }
        if (n.isArray()) {
            ArrayNode out = JSON.createArrayNode();
            n.forEach(x -> out.add(sortKeys(x)));
            return out;
        }
        return n;
    }

    // ------------------------------------------------------------------------------------------------ import

    /**
     * The checks of an adapter folder that need no encoder: the folder exists and holds the PEFT weights (in
     * safetensors) and configuration. Every reader of adapter folders (import, training, the command line) uses
     * this check and its messages.
     * @param dir the folder.
     * @throws NoSuchFileException when the folder does not exist.
     * @throws IOException naming the missing file (or a pickled {@code adapter_model.bin}).
     */
    public static void checkFolder(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "adapter folder not found");
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException("An adapter is a folder, but " + dir + " is a file");
        }
        Path configFile = dir.resolve(CONFIG_FILE);
        Path weightsFile = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(configFile)) {
            throw new IOException("Not a PEFT adapter folder: " + configFile + " is missing");
        }
        if (!Files.isRegularFile(weightsFile)) {
            if (Files.isRegularFile(dir.resolve("adapter_model.bin"))) {
                throw new IOException("The adapter in " + dir + " is stored as adapter_model.bin (Python pickle), which Java "
                        + "cannot read safely; save it with safetensors (PEFT's default, save_pretrained(..., safe_serialization=True))");
            }
            throw new IOException("Not a PEFT adapter folder: " + weightsFile + " is missing");
        }
    }

    /**
     * The LoRA rank of an adapter folder ({@code r} of its {@code adapter_config.json}, checked as {@link #read}
     * checks it), for the checks that come before an encoder is loaded.
     * @param dir the folder.
     * @return the rank.
     * @throws IOException when the folder is not an adapter folder (see {@link #checkFolder}) or its configuration
     *                     is invalid or unsupported.
     */
    public static int rank(Path dir) throws IOException {
        checkFolder(dir);
        Path configFile = dir.resolve(CONFIG_FILE);
        JsonNode config = readJson(configFile);
        checkConfig(configFile, config);
        return intField(config, "r", configFile);
    }

    /**
     * What an adapter folder's head predicts, as its {@code loradrop_config.json} records it (a sidecar of format 1
     * or 2 is a single-label classifier's), for the choices that come before an encoder is loaded.
     * @param dir the folder.
     * @return the problem type, or empty when the folder has no sidecar (an adapter written by PEFT).
     * @throws IOException when the folder is not an adapter folder (see {@link #checkFolder}) or its sidecar is invalid.
     */
    public static java.util.Optional<ProblemType> recordedProblemType(Path dir) throws IOException {
        checkFolder(dir);
        Path sidecarFile = dir.resolve(SIDECAR_FILE);
        if (!Files.isRegularFile(sidecarFile)) {
            return java.util.Optional.empty();
        }
        JsonNode sidecar = readJson(sidecarFile);
        checkSidecar(sidecarFile, sidecar, readJson(dir.resolve(CONFIG_FILE)));
        return java.util.Optional.of(ProblemType.of(headLoss(sidecarFile, sidecar)));
    }

    /**
     * Reads an adapter folder written by LoRA-Drop (with {@code loradrop_config.json}, which gives the pooling).
     * @param dir the folder.
     * @param encoder the encoder to put the adapter on.
     * @return the adapter.
     * @throws IOException when a file is missing, unreadable or invalid, or the adapter does not fit the encoder.
     */
    public static ImportedAdapter read(Path dir, EncoderModel encoder) throws IOException {
        return read(dir, encoder, null);
    }

    /**
     * Reads an adapter folder written by LoRA-Drop or by PEFT.
     * @param dir the folder.
     * @param encoder the encoder to put the adapter on.
     * @param pooling the pooling to use when the folder has no LoRA-Drop sidecar (PEFT does not record one); null
     *                to require the sidecar.
     * @return the adapter.
     * @throws IOException when a file is missing, unreadable or invalid, or the adapter does not fit the encoder
     *                     (the message names the key, the expected and the found shape).
     */
    public static ImportedAdapter read(Path dir, EncoderModel encoder, Pooling pooling) throws IOException {
        return read(dir, encoder, pooling, HeadLoss.SOFTMAX_CROSS_ENTROPY);
    }

    /**
     * Reads an adapter folder written by LoRA-Drop or by PEFT, reading a folder without LoRA-Drop's sidecar (whose
     * problem type is not recorded) as a head of the given loss.
     * @param dir the folder.
     * @param encoder the encoder to put the adapter on.
     * @param pooling the pooling to use when the folder has no LoRA-Drop sidecar; null to require the sidecar.
     * @param withoutSidecar the head's output function when the folder has no sidecar (a sidecar records its own).
     * @return the adapter.
     * @throws IOException when a file is missing, unreadable or invalid, or the adapter does not fit the encoder
     *                     (the message names the key, the expected and the found shape).
     */
    public static ImportedAdapter read(Path dir, EncoderModel encoder, Pooling pooling, HeadLoss withoutSidecar)
            throws IOException {
        checkFolder(dir);
        Path configFile = dir.resolve(CONFIG_FILE);
        Path weightsFile = dir.resolve(WEIGHTS_FILE);
        JsonNode config = readJson(configFile);
        Path sidecarFile = dir.resolve(SIDECAR_FILE);
        JsonNode sidecar = Files.isRegularFile(sidecarFile) ? readJson(sidecarFile) : null;
        checkConfig(configFile, config);
        if (sidecar != null) {
            checkSidecar(sidecarFile, sidecar, config);
        } else if (pooling == null) {
            throw new IOException("The adapter in " + dir + " has no " + SIDECAR_FILE + " (it was not written by LoRA-Drop), so its "
                    + "pooling is unknown; pass the pooling to PeftAdapter.read");
        }

        if (sidecar != null) {
            checkEncoderGeometry(dir, sidecar, encoder);
        }
        SafeTensors st = SafeTensors.open(weightsFile);
        ParsedKeys keys = parseKeys(st);
        // Match each adapter module to a Linear layer of the encoder by path suffix.
        Map<LinearModule, String> moduleFor = new LinkedHashMap<>();
        for (String km : keys.modules.keySet()) {
            LinearModule m = matchModule(km, encoder, weightsFile);
            String other = moduleFor.put(m, km);
            if (other != null) {
                throw new IOException("Adapter modules '" + other + "' and '" + km + "' in " + weightsFile
                        + " both match the encoder's Linear layer '" + m.path() + "'");
            }
        }
        List<LinearModule> targets = new ArrayList<>();
        for (LinearModule m : encoder.linears()) {
            if (moduleFor.containsKey(m)) {
                targets.add(m);
            }
        }
        if (targets.isEmpty()) {
            throw new IOException("The adapter " + weightsFile + " holds no LoRA tensors (keys: " + st.tensors().keySet() + ")");
        }
        int rank = intField(config, "r", configFile);
        if (keys.headWeight == null || keys.headBias == null) {
            throw new IOException("The adapter " + weightsFile + " lacks the classifier head: expected '"
                    + HeadKeyStyle.PEFT.weightKey() + "' and '" + HeadKeyStyle.PEFT.biasKey() + "' (or 'classifier.weight' / "
                    + "'classifier.bias'); it holds " + st.tensors().keySet());
        }
        long[] hw = st.info(keys.headWeight).shape();
        HeadLoss loss = sidecar != null ? headLoss(sidecarFile, sidecar) : withoutSidecar;
        if (hw.length != 2 || hw[1] != encoder.hiddenSize() || hw[0] < loss.minOutputs()) {
            throw new IOException("Adapter key '" + keys.headWeight + "' in " + weightsFile + ": expected shape [outputs >= "
                    + loss.minOutputs() + " (" + ProblemType.of(loss) + "), "
                    + encoder.hiddenSize() + "] (the encoder's hidden size), found " + Arrays.toString(hw));
        }
        int classes = (int) hw[0];
        expectShape(st, keys.headBias, new long[]{classes}, "the classifier bias", weightsFile);

        LoraConfig lora = loraConfig(config, sidecar, configFile, rank, targets, encoder);
        Pooling pool = sidecar != null ? Pooling.valueOf(sidecar.get("pooling").asText()) : pooling;
        double headDropout = sidecar != null ? sidecar.path("head_dropout").asDouble(0.0) : 0.0;
        ClassifierSpec spec;
        try {
            spec = new ClassifierSpec(lora, pool, classes, headDropout, loss);
        } catch (IllegalArgumentException e) {
            throw new IOException("Invalid adapter settings in " + dir + ": " + e.getMessage(), e);
        }
        ParameterLayout layout = new ParameterLayout(targets, rank, encoder.hiddenSize(), classes);
        float[] params = new float[layout.size()];
        for (int i = 0; i < targets.size(); i++) {
            LinearModule m = targets.get(i);
            String[] ab = keys.modules.get(moduleFor.get(m));
            for (int k = 0; k < 2; k++) {
                ParameterLayout.Entry e = k == 0 ? layout.loraA(i) : layout.loraB(i);
                String what = k == 0 ? "lora_A (rank " + rank + " x in_features " + m.inFeatures() + " of '" + m.path() + "')"
                        : "lora_B (out_features " + m.outFeatures() + " x rank " + rank + " of '" + m.path() + "')";
                expectShape(st, ab[k], e.shape(), what, weightsFile);
                System.arraycopy(st.toFloatArray(ab[k]), 0, params, e.offset(), e.size());
            }
        }
        layout.set(params, ParameterLayout.CLASSIFIER_WEIGHT, st.toFloatArray(keys.headWeight));
        layout.set(params, ParameterLayout.CLASSIFIER_BIAS, st.toFloatArray(keys.headBias));
        JsonNode base = config.get("base_model_name_or_path");
        List<String> labels = AdapterLabels.read(dir).orElse(null);
        if (labels != null && labels.size() != classes) {
            throw new IOException(dir.resolve(AdapterLabels.FILE_NAME) + " names " + labels.size() + " labels " + labels
                    + " but the adapter's classifier head has " + classes + " classes");
        }
        AdapterInput input = sidecar != null ? input(sidecar.get("input"), sidecarFile) : null;
        TokenizerIds tokenizer = sidecar != null ? tokenizerIds(sidecar.get("tokenizer")) : null;
        AdapterOutputs outputs = sidecar != null ? outputs(sidecarFile, sidecar, spec) : AdapterOutputs.none();
        int samples = sidecar != null ? sidecar.path("dropout_samples").asInt(1) : 1;
        int members = sidecar != null ? sidecar.path("ensemble").path("members").asInt(0) : 0;
        long seed = sidecar != null ? sidecar.path("ensemble").path("seed").asLong(0) : 0;
        logger.fine(() -> "Read adapter " + dir + ": " + targets.size() + " modules, rank " + rank + ", " + classes + " classes");
        return new ImportedAdapter(spec, params, layout, targets, base == null || base.isNull() ? null : base.asText(),
                samples, members, seed, sidecar != null, labels, input, tokenizer, outputs);
    }

    /**
     * The head loss a sidecar records: {@code head_loss} (format 3), else the default of its {@code problem_type};
     * sidecars of formats 1 and 2 are single-label classifiers.
     */
    private static HeadLoss headLoss(Path f, JsonNode s) throws IOException {
        JsonNode type = s.get("problem_type");
        JsonNode loss = s.get("head_loss");
        try {
            ProblemType recorded = type == null || type.isNull() ? ProblemType.SINGLE_LABEL_CLASSIFICATION
                    : ProblemType.ofHfName(type.asText(), f.toString());
            if (loss == null || loss.isNull()) {
                return recorded.defaultLoss();
            }
            HeadLoss l = HeadLoss.valueOf(loss.asText());
            if (ProblemType.of(l) != recorded) {
                throw new IOException(f + ": head_loss " + l + " trains a " + ProblemType.of(l) + " head, but problem_type is "
                        + recorded);
            }
            return l;
        } catch (IllegalArgumentException e) {
            throw new IOException(f + ": " + e.getMessage(), e);
        }
    }

    /** The multi-label threshold and regression target standardisation a sidecar records, checked against the head. */
    private static AdapterOutputs outputs(Path f, JsonNode s, ClassifierSpec spec) throws IOException {
        JsonNode t = s.get("threshold");
        double threshold = t == null || t.isNull() ? Double.NaN : t.asDouble(Double.NaN);
        JsonNode target = s.get("target");
        double[] mean = null;
        double[] std = null;
        if (target != null && !target.isNull()) {
            mean = doubles(target.get("mean"), f, "target.mean", spec.numClasses());
            std = doubles(target.get("std"), f, "target.std", spec.numClasses());
        }
        if (spec.loss().regression() && mean == null) {
            throw new IOException(f + ": a regression adapter must record its target standardisation ('target' with 'mean'"
                    + " and 'std'), without which its predictions have no units");
        }
        try {
            return new AdapterOutputs(threshold, mean, std);
        } catch (IllegalArgumentException e) {
            throw new IOException(f + ": " + e.getMessage(), e);
        }
    }

    private static double[] doubles(JsonNode a, Path f, String key, int n) throws IOException {
        if (a == null || !a.isArray() || a.size() != n) {
            throw new IOException(f + ": '" + key + "' must be an array of " + n + " numbers (one per head output), got " + a);
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            if (!a.get(i).isNumber()) {
                throw new IOException(f + ": '" + key + "' holds a non-number " + a.get(i));
            }
            out[i] = a.get(i).asDouble();
        }
        return out;
    }

    private static AdapterInput input(JsonNode in, Path f) throws IOException {
        if (in == null || in.isNull()) {
            return null;
        }
        JsonNode pair = in.get("pair_key");
        try {
            return new AdapterInput(in.path("max_length").asInt(-1), in.path("text_key").asText(""),
                    pair == null || pair.isNull() ? null : pair.asText());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IOException(f + ": invalid 'input' " + in + ": " + e.getMessage(), e);
        }
    }

    private static TokenizerIds tokenizerIds(JsonNode t) {
        if (t == null || !t.isObject()) {
            return null;
        }
        return new TokenizerIds(t.path("vocab_size").asInt(-1), t.path("cls_id").asInt(-1), t.path("sep_id").asInt(-1),
                t.path("pad_id").asInt(-1), t.path("unk_id").asInt(-1));
    }

    /**
     * The hidden size and layer count the sidecar records (format 2 on) against the encoder's: an adapter of
     * another encoder is refused before its tensors are matched.
     */
    private static void checkEncoderGeometry(Path dir, JsonNode sidecar, EncoderModel encoder) throws IOException {
        JsonNode e = sidecar.get("encoder");
        if (e == null || !e.isObject()) {
            return;
        }
        int hidden = e.path("hidden_size").asInt(-1);
        int layers = e.path("layers").asInt(-1);
        int myLayers = layerCount(encoder);
        if ((hidden > 0 && hidden != encoder.hiddenSize()) || (layers > 0 && myLayers > 0 && layers != myLayers)) {
            throw new IOException("The adapter in " + dir + " was built for an encoder with " + layers + " layers of hidden size "
                    + hidden + " (" + SIDECAR_FILE + "), but this encoder has " + myLayers + " layers of hidden size "
                    + encoder.hiddenSize() + "; use the base model the adapter was trained on");
        }
    }

    /** The layer index of a module path ({@code encoder.layer.N.}), or -1. */
    static int layerIndex(String path) {
        Matcher m = LAYER_INDEX.matcher(path);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /**
     * The number of transformer layers of an encoder: distinct layer indices among its Linear layers' module paths.
     * @param encoder the encoder.
     * @return the count, or 0 when the paths name no layers.
     */
    public static int layerCount(EncoderModel encoder) {
        Set<Integer> layers = new TreeSet<>();
        for (LinearModule m : encoder.linears()) {
            int i = layerIndex(m.path());
            if (i >= 0) {
                layers.add(i);
            }
        }
        return layers.size();
    }

    /**
     * The one check that an adapter fits a target selection on an encoder, used by every import (prediction,
     * evaluation, continued training): the modules the adapter has tensors for must be exactly the modules the
     * selection picks. Modules without tensors mean an adapter built for another encoder (more layers here than it
     * was trained on, say), which would otherwise run with part of the encoder unadapted.
     * @param dir the adapter folder, for the message.
     * @param selected the modules the selection picks on this encoder.
     * @param adapted the modules the adapter has tensors for.
     * @param selection what selects, for the message (e.g. "its target_modules [query, value]").
     * @param encoder the encoder.
     * @throws IllegalArgumentException naming the missing or extra modules and the layers on both sides.
     */
    public static void requireTargets(Path dir, List<LinearModule> selected, List<LinearModule> adapted, String selection,
                                      EncoderModel encoder) {
        Set<LinearModule> want = new LinkedHashSet<>(selected);
        Set<LinearModule> have = new LinkedHashSet<>(adapted);
        if (want.equals(have)) {
            return;
        }
        List<String> missing = new ArrayList<>();
        want.stream().filter(m -> !have.contains(m)).forEach(m -> missing.add(m.path()));
        List<String> extra = new ArrayList<>();
        have.stream().filter(m -> !want.contains(m)).forEach(m -> extra.add(m.path()));
        StringBuilder b = new StringBuilder("The adapter in " + dir + " does not fit " + selection + " on this encoder, which selects "
                + want.size() + " modules; the adapter has tensors for " + have.size());
        if (!missing.isEmpty()) {
            b.append("; it has none for ").append(abbreviate(missing));
        }
        if (!extra.isEmpty()) {
            b.append("; it adapts ").append(abbreviate(extra)).append(", which the selection does not pick");
        }
        String theirs = layerRange(adapted);
        String mine = layerRange(encoder.linears());
        if (!theirs.equals(mine)) {
            b.append(" (its tensors cover layers ").append(theirs).append("; this encoder has layers ").append(mine)
                    .append(": it was built for another encoder)");
        }
        throw new IllegalArgumentException(b.toString());
    }

    private static String abbreviate(List<String> paths) {
        return paths.size() <= 4 ? paths.toString()
                : paths.subList(0, 3) + " and " + (paths.size() - 3) + " more";
    }

    private static String layerRange(List<LinearModule> modules) {
        TreeSet<Integer> l = new TreeSet<>();
        modules.forEach(m -> {
            int i = layerIndex(m.path());
            if (i >= 0) {
                l.add(i);
            }
        });
        if (l.isEmpty()) {
            return "(none named)";
        }
        return l.first() + "-" + l.last() + (l.size() == l.last() - l.first() + 1 ? "" : " (" + l.size() + " of them)");
    }

    private static JsonNode readJson(Path f) throws IOException {
        try {
            JsonNode n = JSON.readTree(Files.readAllBytes(f));
            if (n == null || !n.isObject()) {
                throw new IOException("Invalid JSON in " + f + ": not an object");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new IOException("Invalid JSON in " + f + ": " + e.getOriginalMessage(), e);
        }
    }

    private static void checkConfig(Path f, JsonNode c) throws IOException {
        String type = c.path("peft_type").asText("");
        if (!type.equals("LORA")) {
            throw new IOException(f + ": peft_type is '" + type + "'; only LORA adapters are supported");
        }
        if (c.path("use_dora").asBoolean(false)) {
            throw new IOException(f + ": use_dora is true; DoRA adapters are not supported");
        }
        for (String k : List.of("rank_pattern", "alpha_pattern")) {
            JsonNode p = c.get(k);
            if (p != null && !p.isNull() && p.size() > 0) {
                throw new IOException(f + ": " + k + " " + p + " gives modules their own rank or alpha, which is not supported");
            }
        }
        String bias = c.path("bias").asText("none");
        if (!bias.equals("none")) {
            throw new IOException(f + ": bias is '" + bias + "'; adapters that train Linear biases are not supported");
        }
        if (!c.path("task_type").asText("SEQ_CLS").equals("SEQ_CLS")) {
            logger.warning(f + ": task_type is '" + c.path("task_type").asText() + "', not SEQ_CLS; reading it as a classifier");
        }
        intField(c, "r", f);
        JsonNode alpha = c.get("lora_alpha");
        if (alpha == null || !alpha.isNumber()) {
            throw new IOException(f + ": lora_alpha is missing or not a number");
        }
    }

    private static void checkSidecar(Path f, JsonNode s, JsonNode config) throws IOException {
        if (!SIDECAR_FORMAT.equals(s.path("format").asText())) {
            throw new IOException(f + ": not a LoRA-Drop adapter sidecar (format '" + s.path("format").asText() + "')");
        }
        int v = s.path("format_version").asInt(-1);
        if (v < 1 || v > SIDECAR_VERSION) {
            throw new IOException(f + ": unsupported format_version " + v + " (this LoRA-Drop reads 1 to " + SIDECAR_VERSION + ")");
        }
        for (String k : List.of("pooling", "lora")) {
            if (!s.has(k)) {
                throw new IOException(f + ": missing '" + k + "'");
            }
        }
        try {
            Pooling.valueOf(s.get("pooling").asText());
            DropoutMode.valueOf(s.get("lora").path("dropout_mode").asText());
        } catch (IllegalArgumentException e) {
            throw new IOException(f + ": " + e.getMessage(), e);
        }
        JsonNode l = s.get("lora");
        if (l.path("rank").asInt(-1) != config.path("r").asInt(-2)) {
            throw new IOException(f + " says rank " + l.path("rank") + " but " + CONFIG_FILE + " says r = " + config.path("r"));
        }
        if (l.path("alpha").asDouble(Double.NaN) != config.path("lora_alpha").asDouble(Double.NaN)) {
            throw new IOException(f + " says alpha " + l.path("alpha") + " but " + CONFIG_FILE + " says lora_alpha = " + config.path("lora_alpha"));
        }
    }

    private static int intField(JsonNode c, String key, Path f) throws IOException {
        JsonNode n = c.get(key);
        if (n == null || !n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 1) {
            throw new IOException(f + ": '" + key + "' is missing or not a positive integer (" + n + ")");
        }
        return n.asInt();
    }

    /** The tensors of an adapter file sorted into LoRA pairs and head. */
    private static final class ParsedKeys {
        final Map<String, String[]> modules = new LinkedHashMap<>();
        String headWeight;
        String headBias;
    }

    private static ParsedKeys parseKeys(SafeTensors st) throws IOException {
        ParsedKeys out = new ParsedKeys();
        Set<String> adapterNames = new TreeSet<>();
        List<String> unsupported = new ArrayList<>();
        Map<String, List<String>> heads = new TreeMap<>();  // head form -> keys
        for (String key : st.tensors().keySet()) {
            Matcher h = HEAD_KEY.matcher(key);
            if (h.matches()) {
                if ("original_module".equals(h.group(2))) {
                    continue;  // the frozen copy PEFT keeps beside modules_to_save in a full state dict
                }
                String form = key.substring(0, key.lastIndexOf('.'));
                heads.computeIfAbsent(form, k -> new ArrayList<>()).add(key);
                if (h.group(3) != null) {
                    adapterNames.add(h.group(3));
                }
                continue;
            }
            Matcher m = LORA_KEY.matcher(key);
            if (m.matches()) {
                String module = m.group(1);
                if (m.group(3) != null) {
                    adapterNames.add(m.group(3));
                }
                String[] pair = out.modules.computeIfAbsent(module, k -> new String[2]);
                int idx = m.group(2).equals("A") ? 0 : 1;
                if (pair[idx] != null) {
                    throw new IOException("Adapter " + st.path() + " holds two lora_" + m.group(2) + " tensors for module '"
                            + module + "': '" + pair[idx] + "' and '" + key + "'");
                }
                pair[idx] = key;
                continue;
            }
            unsupported.add(key);
        }
        if (!unsupported.isEmpty()) {
            throw new IOException("Adapter " + st.path() + " holds tensors LoRA-Drop does not know (only lora_A/lora_B weights "
                    + "and a one-layer 'classifier' head are supported): " + unsupported);
        }
        if (adapterNames.size() > 1) {
            throw new IOException("Adapter " + st.path() + " holds several adapters " + adapterNames + "; save one adapter per folder");
        }
        for (Map.Entry<String, String[]> e : out.modules.entrySet()) {
            String[] p = e.getValue();
            if (p[0] == null || p[1] == null) {
                String have = p[0] != null ? p[0] : p[1];
                throw new IOException("Adapter " + st.path() + " lacks the lora_" + (p[0] == null ? "A" : "B") + " tensor of module '"
                        + e.getKey() + "' (it has '" + have + "')");
            }
        }
        if (heads.size() > 1) {
            throw new IOException("Adapter " + st.path() + " holds several classifier heads: " + heads.values());
        }
        for (List<String> ks : heads.values()) {
            for (String k : ks) {
                if (k.endsWith(".weight")) {
                    out.headWeight = k;
                } else {
                    out.headBias = k;
                }
            }
        }
        return out;
    }

    private static LinearModule matchModule(String km, EncoderModel encoder, Path file) throws IOException {
        List<LinearModule> exact = new ArrayList<>();
        List<LinearModule> suffix = new ArrayList<>();
        List<LinearModule> sameFromRoot = new ArrayList<>();
        String kmRoot = fromLayerRoot(km);
        for (LinearModule m : encoder.linears()) {
            String p = m.path();
            if (p.equals(km)) {
                exact.add(m);
            } else if (p.endsWith("." + km) || km.endsWith("." + p)) {
                suffix.add(m);
            } else if (kmRoot != null && kmRoot.equals(fromLayerRoot(p))) {
                // Different wrapper prefixes on both sides, e.g. 'bert.encoder.layer.0...' vs 'm.encoder.layer.0...'.
                sameFromRoot.add(m);
            }
        }
        List<LinearModule> found = !exact.isEmpty() ? exact : !suffix.isEmpty() ? suffix : sameFromRoot;
        if (found.size() == 1) {
            return found.get(0);
        }
        if (found.isEmpty()) {
            throw new IOException("Adapter module '" + km + "' in " + file + " matches no Linear layer of the encoder; its module paths are "
                    + encoder.linears().stream().map(LinearModule::path).toList());
        }
        throw new IOException("Adapter module '" + km + "' in " + file + " matches several Linear layers of the encoder: "
                + found.stream().map(LinearModule::path).toList());
    }

    private static void expectShape(SafeTensors st, String key, long[] expected, String what, Path file) throws IOException {
        SafeTensors.TensorInfo t = st.info(key);
        if (!Arrays.equals(t.shape(), expected)) {
            throw new IOException("Adapter key '" + key + "' in " + file + ": expected shape " + Arrays.toString(expected)
                    + " (" + what + "), found " + Arrays.toString(t.shape()));
        }
        if (!t.dtype().readableAsFloat()) {
            throw new IOException("Adapter key '" + key + "' in " + file + " has dtype " + t.dtype() + "; expected a float type");
        }
    }

    /**
     * The LoRA configuration: settings from the sidecar (or the PEFT config), and the targets as recorded. When the
     * recorded targets apply to this encoder's module names they must select exactly the adapter's modules
     * ({@link #requireTargets}; PEFT's {@code layers_to_transform} narrows the selection to its layers); when they
     * do not apply (a regex written against other module names, {@code "all-linear"}), the adapter's tensors must
     * still cover every layer of the encoder, and the exact list of matched module paths is targeted.
     */
    private static LoraConfig loraConfig(JsonNode config, JsonNode sidecar, Path configFile, int rank,
                                         List<LinearModule> targets, EncoderModel encoder) throws IOException {
        double alpha = config.get("lora_alpha").asDouble();
        boolean rs = config.path("use_rslora").asBoolean(false);
        DropoutMode mode;
        double p;
        boolean sparseScaled = true;
        List<String> targetModules = new ArrayList<>();
        String regex = null;
        if (sidecar != null) {
            JsonNode l = sidecar.get("lora");
            mode = DropoutMode.valueOf(l.get("dropout_mode").asText());
            p = l.path("dropout").asDouble(0);
            sparseScaled = l.path("sparse_scaled").asBoolean(true);
            l.path("target_modules").forEach(n -> targetModules.add(n.asText()));
            regex = l.path("target_regex").isTextual() ? l.get("target_regex").asText() : null;
        } else {
            p = config.path("lora_dropout").asDouble(0);
            mode = p > 0 ? DropoutMode.INPUT : DropoutMode.NONE;
            JsonNode t = config.get("target_modules");
            if (t != null && t.isArray()) {
                t.forEach(n -> targetModules.add(n.asText()));
            } else if (t != null && t.isTextual()) {
                regex = t.asText();  // PEFT: a string is a full-match regex (or "all-linear")
            }
        }
        Set<Integer> layers = layersToTransform(config.get("layers_to_transform"), configFile);
        Path dir = configFile.getParent();
        String file = sidecar != null ? SIDECAR_FILE : CONFIG_FILE;
        String selection = "the target modules " + (regex != null ? "/" + regex + "/" : targetModules.toString()) + " of its " + file
                + (layers == null ? "" : " on layers " + layers);
        LoraConfig recorded = null;
        List<LinearModule> selected = List.of();
        if (!targetModules.isEmpty() || regex != null) {
            try {
                recorded = new LoraConfig(rank, alpha, rs, targetModules, regex, mode, p, sparseScaled);
                selected = LoraSurgery.select(encoder, recorded).stream()
                        .filter(m -> layers == null || layers.contains(layerIndex(m.path()))).toList();
            } catch (IllegalArgumentException e) {
                // Recorded targets that do not fit this encoder's naming (or are invalid): checked by layers below.
                recorded = null;
                selected = List.of();
            }
        }
        if (!selected.isEmpty()) {
            try {
                requireTargets(dir, selected, targets, selection, encoder);
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
            if (layers == null) {
                return recorded;
            }
        } else {
            Set<Integer> mine = new TreeSet<>();
            encoder.linears().forEach(m -> mine.add(layerIndex(m.path())));
            mine.remove(-1);
            Set<Integer> theirs = new TreeSet<>();
            targets.forEach(m -> theirs.add(layerIndex(m.path())));
            theirs.remove(-1);
            Set<Integer> expected = layers != null ? layers : mine;
            if (!theirs.isEmpty() && !theirs.equals(expected)) {
                throw new IOException("The adapter in " + dir + " adapts layers " + theirs + " but this encoder has layers " + mine
                        + (layers != null ? " and " + CONFIG_FILE + " names layers_to_transform " + layers : "")
                        + ": it was built for another encoder");
            }
            logger.fine(() -> configFile + ": recorded target modules do not apply to this encoder's module names; "
                    + "targeting the matched module paths");
        }
        StringBuilder exact = new StringBuilder();
        for (LinearModule m : targets) {
            exact.append(exact.length() == 0 ? "" : "|").append(Pattern.quote(m.path()));
        }
        try {
            return new LoraConfig(rank, alpha, rs, List.of(), exact.toString(), mode, p, sparseScaled);
        } catch (IllegalArgumentException e) {
            throw new IOException("Invalid LoRA settings in " + configFile + ": " + e.getMessage(), e);
        }
    }

    /** PEFT's {@code layers_to_transform} (an int or a list), or null when absent. */
    private static Set<Integer> layersToTransform(JsonNode n, Path f) throws IOException {
        if (n == null || n.isNull()) {
            return null;
        }
        Set<Integer> out = new TreeSet<>();
        if (n.isIntegralNumber()) {
            out.add(n.asInt());
        } else if (n.isArray()) {
            for (JsonNode x : n) {
                if (!x.isIntegralNumber()) {
                    throw new IOException(f + ": layers_to_transform holds a non-integer " + x);
                }
                out.add(x.asInt());
            }
        } else {
            throw new IOException(f + ": layers_to_transform is neither an integer nor a list: " + n);
        }
        return out;
    }
}
