/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.experiments;

import ai.loradrop.io.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a sweep produced: every run's report, in sweep order, and the dev-set selection.
 *
 * @param grid the grid.
 * @param reports the run reports.
 * @param selection the dev-set choice, or null when no run has a dev score.
 */
public record SweepResult(SweepGrid grid, List<Map<String, Object>> reports, Selection selection) {
    /** The Markdown table's file name. */
    public static final String MARKDOWN = "results.md";
    /** The CSV table's file name. */
    public static final String CSV = "results.csv";
    /** The JSON results' file name. */
    public static final String JSON = "results.json";
    /** The HTML report's file name. */
    public static final String HTML = "report.html";

    /**
     * Copies the list.
     * @param grid the grid.
     * @param reports the run reports.
     * @param selection the selection.
     */
    public SweepResult {
        reports = List.copyOf(reports);
    }

    /**
     * The results table.
     * @return the table by configuration.
     */
    public ResultsTable table() {
        return new ResultsTable(reports, selection);
    }

    /**
     * Writes {@value #MARKDOWN}, {@value #CSV}, {@value #JSON} and {@value #HTML} into a folder, each atomically.
     * @param dir the folder (it must exist).
     * @return the files written.
     * @throws IOException when a file cannot be written.
     */
    public List<Path> writeAll(Path dir) throws IOException {
        ResultsTable t = table();
        List<Path> files = new ArrayList<>();
        Path md = dir.resolve(MARKDOWN);
        AtomicFiles.write(md, "results table", t.toMarkdown().getBytes(StandardCharsets.UTF_8));
        files.add(md);
        Path csv = dir.resolve(CSV);
        AtomicFiles.write(csv, "results table", t.toCsv().getBytes(StandardCharsets.UTF_8));
        files.add(csv);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("grid", grid.toMap());
        json.putAll(t.toMap());
        List<Object> runs = new ArrayList<>();
        for (Map<String, Object> r : reports) {
            Map<String, Object> brief = new LinkedHashMap<>(r);
            brief.remove("provenance");
            runs.add(brief);
        }
        json.put("runs", runs);
        Path js = dir.resolve(JSON);
        AtomicFiles.write(js, "results", new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(json));
        files.add(js);
        Path html = dir.resolve(HTML);
        HtmlReport.write(html, "LoRA-Drop sweep", reports, selection);
        files.add(html);
        return files;
    }
}
