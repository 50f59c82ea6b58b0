/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

import ai.loradrop.lora.LoraConfig;
import ai.loradrop.lora.LoraSurgery;
import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.onnx.LinearModule;
import ai.loradrop.programs.ClassifierSpec;
import ai.loradrop.programs.ParameterLayout;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.logging.Logger;

/**
 * The starting point of continued training from an imported adapter: its LoRA matrices on the trainer's layout (B
 * rescaled when the adapter's LoRA scale differs from the trainer's, so that the start computes what the adapter
 * computes), and its head when the class count matches, with the rows matched to the training labels by the
 * adapter's label names when it records them; otherwise the fresh head the caller passes.
 *
 * @param params the starting parameters in the trainer's layout.
 * @param head where the head came from.
 */
public record AdapterStart(float[] params, Head head) {
    private static final Logger logger = Logger.getLogger(AdapterStart.class.getName());

    /** Where the starting head came from. */
    public enum Head {
        /** The adapter's head rows, in the adapter's order. */
        ADAPTER("adapter"),
        /** The adapter's head rows, matched to the training labels by name. */
        ADAPTER_REORDERED("adapter-reordered"),
        /** A fresh head (class count or label names differ). */
        FRESH("fresh");

        private final String key;

        Head(String key) {
            this.key = key;
        }

        /**
         * The name recorded in provenance.
         * @return the name.
         */
        public String key() {
            return key;
        }
    }

    /**
     * Validates and copies.
     * @param params the starting parameters in the trainer's layout.
     * @param head where the head came from.
     */
    public AdapterStart {
        params = params.clone();
        Objects.requireNonNull(head, "head");
    }

    /**
     * A copy of the parameters.
     * @return the flat vector.
     */
    @Override
    public float[] params() {
        return params.clone();
    }

    /**
     * The starting point from an adapter.
     * @param adapter the adapter read onto {@code encoder}.
     * @param dir the adapter folder, for messages.
     * @param encoder the encoder.
     * @param spec the trainer's classifier (its LoRA settings and class count).
     * @param labels the training labels in class-id order.
     * @param fresh the trainer's initial parameters in its layout (the fresh head is taken from them).
     * @return the starting point.
     * @throws IllegalArgumentException when the adapter's rank differs or it does not adapt exactly the modules the
     *                                  trainer's targets select ({@link PeftAdapter#requireTargets}).
     */
    public static AdapterStart of(ImportedAdapter adapter, Path dir, EncoderModel encoder, ClassifierSpec spec,
                                  List<String> labels, float[] fresh) {
        LoraConfig mine = spec.lora();
        LoraConfig theirs = adapter.spec().lora();
        if (theirs.rank() != mine.rank()) {
            throw new IllegalArgumentException("The adapter in " + dir + " has rank " + theirs.rank() + " but the training rank is "
                    + mine.rank() + "; the ranks must be equal");
        }
        List<LinearModule> targets = LoraSurgery.select(encoder, mine);
        PeftAdapter.requireTargets(dir, targets, adapter.targets(), "the training's " + (mine.targetRegex() != null
                ? "target regex /" + mine.targetRegex() + "/" : "target modules " + mine.targetModules()), encoder);
        if (adapter.hasLoraDropSidecar() && adapter.spec().pooling() != spec.pooling()) {
            logger.warning("The adapter in " + dir + " was trained with " + adapter.spec().pooling() + " pooling but training uses "
                    + spec.pooling() + "; its head starts from features it was not trained on");
        }
        ParameterLayout layout = new ParameterLayout(targets, mine.rank(), encoder.hiddenSize(), labels.size());
        if (fresh.length != layout.size()) {
            throw new IllegalArgumentException("The fresh parameters hold " + fresh.length + " values, the layout " + layout.size());
        }
        float[] init = fresh.clone();
        float[] their = adapter.params();
        ParameterLayout theirLayout = adapter.layout();
        double ratio = theirs.scaling() / mine.scaling();
        if (ratio != 1.0) {
            logger.info(String.format("The adapter's LoRA scale %.4g differs from the training's %.4g; its B matrices are "
                    + "rescaled by %.4g so training starts from the adapter's function", theirs.scaling(), mine.scaling(), ratio));
        }
        List<String> theirPaths = adapter.targets().stream().map(LinearModule::path).toList();
        for (int i = 0; i < targets.size(); i++) {
            int j = theirPaths.indexOf(targets.get(i).path());
            copy(their, theirLayout.loraA(j), init, layout.loraA(i), 1.0);
            copy(their, theirLayout.loraB(j), init, layout.loraB(i), ratio);
        }
        int c = labels.size();
        List<String> adapterLabels = adapter.labels();
        Head head;
        int[] rowOf = null;  // training class id -> adapter head row
        if (adapter.spec().numClasses() != c) {
            head = Head.FRESH;
            logger.info("The adapter's head has " + adapter.spec().numClasses() + " classes but the training data has " + c
                    + "; starting from a fresh head");
        } else if (adapterLabels == null) {
            head = Head.ADAPTER;
            rowOf = new int[c];
            for (int i = 0; i < c; i++) {
                rowOf[i] = i;
            }
            logger.info("The adapter records no label names, so its head rows are taken as the training label ids " + labels);
        } else if (new HashSet<>(adapterLabels).equals(new HashSet<>(labels))) {
            rowOf = new int[c];
            boolean same = true;
            for (int i = 0; i < c; i++) {
                rowOf[i] = adapterLabels.indexOf(labels.get(i));
                same &= rowOf[i] == i;
            }
            head = same ? Head.ADAPTER : Head.ADAPTER_REORDERED;
        } else {
            head = Head.FRESH;
            logger.info("The adapter's labels " + adapterLabels + " differ from the training labels " + labels
                    + "; starting from a fresh head");
        }
        if (rowOf != null) {
            int hidden = encoder.hiddenSize();
            ParameterLayout.Entry w = layout.entry(ParameterLayout.CLASSIFIER_WEIGHT);
            ParameterLayout.Entry b = layout.entry(ParameterLayout.CLASSIFIER_BIAS);
            ParameterLayout.Entry tw = theirLayout.entry(ParameterLayout.CLASSIFIER_WEIGHT);
            ParameterLayout.Entry tb = theirLayout.entry(ParameterLayout.CLASSIFIER_BIAS);
            for (int i = 0; i < c; i++) {
                System.arraycopy(their, tw.offset() + rowOf[i] * hidden, init, w.offset() + i * hidden, hidden);
                init[b.offset() + i] = their[tb.offset() + rowOf[i]];
            }
        }
        logger.info("Starting from the adapter in " + dir + " (" + targets.size() + " LoRA targets, head: " + head.key() + ")");
        return new AdapterStart(init, head);
    }

    private static void copy(float[] from, ParameterLayout.Entry src, float[] to, ParameterLayout.Entry dst, double scale) {
        for (int k = 0; k < dst.size(); k++) {
            to[dst.offset() + k] = (float) (from[src.offset() + k] * scale);
        }
    }
}
