/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import ai.loradrop.experiments.HtmlReport;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code loradrop report}: the HTML report of existing JSON reports — of {@code train}, {@code evaluate},
 * {@code demo} or sweep runs — side by side (e.g. a LoRA-Drop run beside one started from an imported PEFT adapter).
 */
final class ReportCommand {
    private ReportCommand() {}

    static final String USAGE = "loradrop report R1.json [R2.json ...] --output report.html [--title T]";

    static final String HELP = String.join("\n",
            "usage: " + USAGE,
            "",
            "Builds one self-contained HTML report (works offline) from JSON reports written by train --report,",
            "evaluate --report, demo or sweep (runs/<hash>/report.json): a sortable table, loss curves, reliability",
            "diagrams, ensemble curves, accuracy against dropout, a confusion matrix and each run's provenance.",
            "Plots whose data a report lacks say so. No run is selected: that is the dev set's job in a sweep.",
            "",
            "  R.json ...               the reports, shown in this order, labelled by file name",
            "  --output F               the HTML file to write (must not exist, and must not be one of the inputs)",
            "  --title T                the page title [LoRA-Drop report]");

    static int run(List<String> args, PrintStream out) throws Exception {
        List<String> options = new ArrayList<>();
        List<Path> inputs = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String s = args.get(i);
            if (s.startsWith("-")) {
                options.add(s);
                if (i + 1 < args.size()) {
                    options.add(args.get(++i));
                }
            } else {
                inputs.add(Path.of(s));
            }
        }
        Args a = Args.parse(options, List.of(), List.of("--output", "--title"), USAGE);
        Path output = a.outputFile("--output");
        if (inputs.isEmpty()) {
            throw a.error("give at least one JSON report");
        }
        for (Path p : inputs) {
            if (!Files.isRegularFile(p)) {
                throw a.error("Report not found: " + p);
            }
            if (Files.exists(output) && Files.isSameFile(p, output)) {
                throw a.error("--output " + output + " is one of the input reports");
            }
        }
        if (Files.exists(output)) {
            throw a.error("--output " + output + " exists; choose a new file (reports are never overwritten)");
        }
        ObjectMapper mapper = new ObjectMapper();
        List<Map<String, Object>> reports = new ArrayList<>();
        for (Path p : inputs) {
            Map<String, Object> r;
            try {
                r = mapper.readValue(p.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
            } catch (IOException e) {
                throw new IOException(p + " is not a JSON report: " + e.getMessage(), e);
            }
            if (!r.containsKey("deterministic") && !r.containsKey("dev")) {
                throw new IllegalArgumentException(p + " holds neither \"deterministic\" nor \"dev\" metrics: not a loradrop report");
            }
            r.putIfAbsent("source", p.getFileName().toString());
            if (!r.containsKey("label")) {
                r.put("label", p.getFileName().toString());
            }
            reports.add(r);
        }
        HtmlReport.write(output, a.value("--title", "LoRA-Drop report"), reports, null);
        out.println("Report of " + reports.size() + " run" + (reports.size() == 1 ? "" : "s") + " written to " + output);
        return 0;
    }
}
