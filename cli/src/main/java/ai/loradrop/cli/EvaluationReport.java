/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.calibration.ReliabilityDiagram;
import ai.loradrop.tribuo.LoraDropModel;
import org.tribuo.Dataset;
import org.tribuo.classification.Label;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates the deterministic model and, when there is one, its test-time ensemble on labelled data; prints
 * Tribuo's evaluation and the calibration tables; assembles the JSON report and draws the reliability diagram.
 */
final class EvaluationReport {
    /** Report key of the deterministic model's metrics. */
    static final String DETERMINISTIC = "deterministic";
    /** Report key of the ensemble's metrics (null when there is no ensemble). */
    static final String ENSEMBLE = "ensemble";

    private final VariantEvaluation deterministic;
    private final VariantEvaluation ensemble;
    private final int examples;

    private EvaluationReport(VariantEvaluation deterministic, VariantEvaluation ensemble, int examples) {
        this.deterministic = deterministic;
        this.ensemble = ensemble;
        this.examples = examples;
    }

    /**
     * Evaluates both variants and prints their evaluations.
     * @param deterministic the deterministic model.
     * @param ensemble the ensemble model, or null.
     * @param data labelled data.
     * @param what the data's description for error messages.
     * @param out where the evaluations are printed.
     * @return the report.
     * @throws IllegalArgumentException when the data holds a label the model never saw.
     */
    static EvaluationReport run(LoraDropModel deterministic, LoraDropModel ensemble, Dataset<Label> data, String what,
                                PrintStream out) {
        VariantEvaluation.checkLabels(deterministic, data, what);
        VariantEvaluation det = VariantEvaluation.of(DETERMINISTIC, deterministic, data);
        det.print(out);
        VariantEvaluation ens = null;
        if (ensemble != null) {
            ens = VariantEvaluation.of(ENSEMBLE + " K=" + ensemble.getEnsembleSize(), ensemble, data);
            ens.print(out);
        }
        EvaluationReport r = new EvaluationReport(det, ens, data.size());
        out.println("=== calibration summary on " + what + " (" + data.size() + " examples) ===");
        r.variants().forEach(v -> out.println(v.summaryLine()));
        return r;
    }

    /** The deterministic evaluation. */
    VariantEvaluation deterministic() {
        return deterministic;
    }

    /** The ensemble evaluation, or null. */
    VariantEvaluation ensemble() {
        return ensemble;
    }

    /** The evaluated variants, deterministic first. */
    List<VariantEvaluation> variants() {
        List<VariantEvaluation> v = new ArrayList<>();
        v.add(deterministic);
        if (ensemble != null) {
            v.add(ensemble);
        }
        return v;
    }

    /** The report's metric entries: {@code deterministic}, {@code ensemble} (or null) and {@code test_examples}. */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("test_examples", examples);
        m.put(DETERMINISTIC, deterministic.toJson());
        m.put(ENSEMBLE, ensemble == null ? null : ensemble.toJson());
        return m;
    }

    /**
     * Writes {@code PREFIX.png} and {@code PREFIX.svg}: the deterministic model against the ensemble (or alone).
     * @param prefix the path prefix.
     * @param title the diagram title.
     * @return the two files written.
     * @throws IOException when a file cannot be written (no partial file is left).
     */
    List<Path> writeDiagram(String prefix, String title) throws IOException {
        ReliabilityDiagram d = ensemble == null
                ? ReliabilityDiagram.of(title, deterministic.name(), deterministic.report())
                : ReliabilityDiagram.compare(title, deterministic.name(), deterministic.report(), ensemble.name(), ensemble.report());
        List<Path> files = diagramFiles(prefix);
        Path png = files.get(0);
        Path svg = files.get(1);
        d.writePng(png);
        d.writeSvg(svg);
        return List.of(png, svg);
    }

    /**
     * The files a diagram prefix expands to.
     * @param prefix the prefix.
     * @return {@code PREFIX.png} and {@code PREFIX.svg}.
     */
    static List<Path> diagramFiles(String prefix) {
        return List.of(Path.of(prefix + ".png"), Path.of(prefix + ".svg"));
    }

    /** Checks, before any work, that the diagram files of {@code --diagram} can be written. */
    static void checkDiagramPrefix(Args a) {
        if (a.has("--diagram")) {
            for (Path p : diagramFiles(a.require("--diagram"))) {
                a.checkOutput("--diagram", p);
            }
        }
    }
}
