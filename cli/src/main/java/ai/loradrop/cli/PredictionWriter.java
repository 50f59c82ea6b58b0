/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.tribuo.LoraDropModel;
import ai.loradrop.tribuo.Uncertainty;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes predictions as CSV or JSON lines (chosen by the output file's extension), atomically. Each row holds the
 * input id (when the input has one), the predicted label and its probability, the uncertainty (entropy, mutual
 * information, member agreement) and the full distribution over the model's labels in the model's label order.
 */
final class PredictionWriter {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private PredictionWriter() {}

    /**
     * Writes the predictions.
     * @param file the output file, .csv or .jsonl/.ndjson.
     * @param model the model (for its label order).
     * @param rows the input rows.
     * @param predictions the predictions, one per row.
     * @throws IOException when the file cannot be written (no partial file is left).
     */
    static void write(Path file, LoraDropModel model, List<UnlabelledTexts.Row> rows, List<Prediction<Label>> predictions)
            throws IOException {
        List<String> labels = labels(model.getOutputIDInfo());
        boolean ids = rows.stream().anyMatch(r -> r.id() != null);
        UnlabelledTexts.Format f = UnlabelledTexts.Format.of(file);
        StringBuilder sb = new StringBuilder();
        if (f == UnlabelledTexts.Format.JSONL) {
            for (int i = 0; i < rows.size(); i++) {
                sb.append(MAPPER.writeValueAsString(jsonRow(ids ? rows.get(i).id() : null, ids, predictions.get(i), labels))).append('\n');
            }
        } else if (f == UnlabelledTexts.Format.CSV || f == UnlabelledTexts.Format.TSV) {
            char sep = f == UnlabelledTexts.Format.CSV ? ',' : '\t';
            List<String> header = new ArrayList<>();
            if (ids) {
                header.add("id");
            }
            header.addAll(List.of("label", "probability", "entropy", "mutual_information", "agreement"));
            labels.forEach(l -> header.add("p:" + l));
            line(sb, header, sep);
            for (int i = 0; i < rows.size(); i++) {
                Prediction<Label> p = predictions.get(i);
                Uncertainty u = LoraDropModel.uncertainty(p);
                List<String> cells = new ArrayList<>();
                if (ids) {
                    cells.add(rows.get(i).id() == null ? "" : rows.get(i).id());
                }
                cells.add(p.getOutput().getLabel());
                cells.add(Double.toString(p.getOutput().getScore()));
                cells.add(Double.toString(u.entropy()));
                cells.add(Double.toString(u.mutualInformation()));
                cells.add(Double.toString(u.agreement()));
                Map<String, Label> scores = p.getOutputScores();
                labels.forEach(l -> cells.add(Double.toString(scores.get(l).getScore())));
                line(sb, cells, sep);
            }
        } else {
            throw new IllegalArgumentException("Cannot tell the output format of " + file + " from its extension (.csv, .tsv, .jsonl, .ndjson)");
        }
        ai.loradrop.io.AtomicFiles.write(file, "predictions", sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The model's labels in id order. */
    static List<String> labels(ImmutableOutputInfo<Label> info) {
        List<String> out = new ArrayList<>(info.size());
        for (int i = 0; i < info.size(); i++) {
            out.add(info.getOutput(i).getLabel());
        }
        return out;
    }

    private static Map<String, Object> jsonRow(String id, boolean ids, Prediction<Label> p, List<String> labels) {
        Uncertainty u = LoraDropModel.uncertainty(p);
        Map<String, Object> m = new LinkedHashMap<>();
        if (ids) {
            m.put("id", id);
        }
        m.put("label", p.getOutput().getLabel());
        m.put("probability", p.getOutput().getScore());
        m.put("entropy", u.entropy());
        m.put("mutual_information", u.mutualInformation());
        m.put("agreement", u.agreement());
        Map<String, Double> dist = new LinkedHashMap<>();
        Map<String, Label> scores = p.getOutputScores();
        labels.forEach(l -> dist.put(l, scores.get(l).getScore()));
        m.put("distribution", dist);
        return m;
    }

    static void line(StringBuilder sb, List<String> cells, char sep) {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                sb.append(sep);
            }
            sb.append(quote(cells.get(i), sep));
        }
        sb.append('\n');
    }

    /** RFC 4180 quoting: only fields holding the separator, a quote or a line break are quoted. */
    static String quote(String s, char sep) {
        if (s.indexOf(sep) < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
