/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.spark;

import ai.loradrop.calibration.CalibrationEvaluator;
import ai.loradrop.calibration.CalibrationReport;
import ai.loradrop.experiments.Sweep;
import ai.loradrop.experiments.SweepData;
import ai.loradrop.experiments.SweepGrid;
import ai.loradrop.experiments.SweepResult;
import ai.loradrop.io.AtomicFiles;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import ai.loradrop.tribuo.LoraDropModel;
import ai.loradrop.tribuo.LoraDropTrainer;
import ai.loradrop.tribuo.data.TextDataSource;
import com.oracle.labs.mlrg.olcut.config.ConfigurationData;
import com.oracle.labs.mlrg.olcut.config.ConfigurationManager;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import com.oracle.labs.mlrg.olcut.provenance.io.XMLProvenanceSerialization;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.evaluation.LabelEvaluation;
import org.tribuo.classification.evaluation.LabelEvaluator;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Runs a sweep over trainer configurations on Spark, one task per run: each task rebuilds its
 * {@link LoraDropTrainer} from the configuration, reads the training and test files, trains, evaluates (Tribuo's
 * {@link LabelEvaluator} and the {@link CalibrationEvaluator}) and returns one row of the results table
 * ({@link #RESULTS}), with the model's provenance. Runs are independent: a failing configuration gives a row with
 * status {@value #FAILED} and its error, the others go on. Spark retries a lost task; training is deterministic
 * (same configuration, data and thread count give the same model), so a retried run reports the same numbers.
 * <p>
 * The files (training data, test data, and the base model and tokenizer named in the configurations) must be
 * readable at the same paths on every executor, as on one machine or a shared file system.
 */
public final class SparkSweep implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Status of a run that trained and evaluated. */
    public static final String OK = "ok";
    /** Status of a run whose configuration, data or training failed. */
    public static final String FAILED = "failed";

    /** The schema of the results table, one row per run, in the order of the runs. */
    public static final StructType RESULTS = new StructType()
            .add("run", DataTypes.StringType, false)
            .add("status", DataTypes.StringType, false)
            .add("error", DataTypes.StringType, true)
            .add("train_examples", DataTypes.IntegerType, true)
            .add("test_examples", DataTypes.IntegerType, true)
            .add("accuracy", DataTypes.DoubleType, true)
            .add("macro_f1", DataTypes.DoubleType, true)
            .add("ece", DataTypes.DoubleType, true)
            .add("mce", DataTypes.DoubleType, true)
            .add("brier", DataTypes.DoubleType, true)
            .add("nll", DataTypes.DoubleType, true)
            .add("train_seconds", DataTypes.DoubleType, true)
            .add("executor", DataTypes.StringType, true)
            .add("model_file", DataTypes.StringType, true)
            .add("trainer", DataTypes.StringType, true)
            .add("provenance", DataTypes.StringType, true);

    private static final Pattern RUN_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    /**
     * One run of a sweep: a name and a trainer configuration (OLCUT configuration data, as
     * {@link ProvenanceUtil#extractConfiguration} gives it).
     * @param name the run's name (letters, digits, {@code . _ -}; names the model file).
     * @param configuration the configuration holding exactly one {@link LoraDropTrainer}.
     */
    public record Run(String name, List<ConfigurationData> configuration) implements Serializable {
        /**
         * Validates the run.
         * @param name the name.
         * @param configuration the configuration.
         */
        public Run {
            Objects.requireNonNull(name, "name");
            if (!RUN_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("A run name holds letters, digits, '.', '_' and '-' (starting with a letter"
                        + " or digit), got '" + name + "'");
            }
            configuration = List.copyOf(configuration);
        }

        /**
         * The run of a trainer: its configuration, extracted from its provenance.
         * @param name the run's name.
         * @param trainer the trainer.
         * @return the run.
         */
        public static Run of(String name, LoraDropTrainer trainer) {
            return new Run(name, ProvenanceUtil.extractConfiguration(trainer.getProvenance()));
        }

        LoraDropTrainer trainer() {
            ConfigurationManager cm = new ConfigurationManager();
            cm.addConfiguration(configuration);
            List<LoraDropTrainer> trainers = cm.lookupAll(LoraDropTrainer.class);
            if (trainers.size() != 1) {
                throw new IllegalArgumentException("The configuration of run '" + name + "' holds " + trainers.size()
                        + " LoraDropTrainer components, expected exactly 1");
            }
            return trainers.get(0);
        }
    }

    private final String train;
    private final String test;
    private final String textColumn;
    private final String labelColumn;
    private final String modelDir;

    /**
     * Creates a sweep over fixed data.
     * @param train the training file (CSV, TSV or JSON lines, read with {@link TextDataSource}).
     * @param test the test file.
     * @param textColumn the text column of both files.
     * @param labelColumn the label column of both files.
     * @param modelDir a folder for the trained models ({@code <run>.tribuo}), or null to keep none.
     */
    public SparkSweep(Path train, Path test, String textColumn, String labelColumn, Path modelDir) {
        this.train = train.toAbsolutePath().toString();
        this.test = test.toAbsolutePath().toString();
        this.textColumn = Objects.requireNonNull(textColumn, "textColumn");
        this.labelColumn = Objects.requireNonNull(labelColumn, "labelColumn");
        this.modelDir = modelDir == null ? null : modelDir.toAbsolutePath().toString();
    }

    /**
     * Runs the sweep, one Spark task per run (as many at a time as the cluster has task slots). Checks first, on the
     * driver, that the names are unique, the files exist and no model file would be overwritten.
     * @param spark the session.
     * @param runs the runs.
     * @return the results table ({@link #RESULTS}), one row per run in run order (computed: cache or write it).
     * @throws IOException when a file is missing or a model file exists.
     */
    public Dataset<Row> run(SparkSession spark, List<Run> runs) throws IOException {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("A sweep needs at least one run");
        }
        Set<String> names = new HashSet<>();
        for (Run r : runs) {
            if (!names.add(r.name())) {
                throw new IllegalArgumentException("Two runs are named '" + r.name() + "'");
            }
            r.trainer(); // the configuration must hold one trainer; fails here rather than in a task
            if (modelDir != null && Files.exists(modelFile(r))) {
                throw new IOException("The model file " + modelFile(r) + " already exists; choose another folder or run name");
            }
        }
        for (String f : List.of(train, test)) {
            if (!Files.isRegularFile(Path.of(f))) {
                throw new IOException("The sweep's data file does not exist: " + f);
            }
        }
        if (modelDir != null && !Files.isDirectory(Path.of(modelDir))) {
            throw new IOException("The folder for the sweep's models does not exist: " + modelDir);
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<Row> rows = sc.parallelize(runs, runs.size()).map((Function<Run, Row>) this::execute).collect();
        return spark.createDataFrame(rows, RESULTS);
    }

    private Path modelFile(Run r) {
        return Path.of(modelDir, r.name() + ".tribuo");
    }

    /** One run, inside its task. */
    private Row execute(Run run) {
        String executor = SparkEnv.get() == null ? null : SparkEnv.get().executorId();
        try {
            LoraDropTrainer trainer = run.trainer();
            MutableDataset<Label> trainData = new MutableDataset<>(new TextDataSource(Path.of(train), textColumn, labelColumn));
            MutableDataset<Label> testData = new MutableDataset<>(new TextDataSource(Path.of(test), textColumn, labelColumn));
            long t0 = System.nanoTime();
            try (LoraDropModel model = trainer.train(trainData)) {
                double seconds = (System.nanoTime() - t0) / 1e9;
                List<Prediction<Label>> predictions = model.predict(testData);
                LabelEvaluation labels = new LabelEvaluator().evaluate(model, predictions, testData.getProvenance());
                CalibrationReport cal = new CalibrationEvaluator().computeReport(model, predictions);
                String file = null;
                if (modelDir != null) {
                    Path f = modelFile(run);
                    AtomicFiles.write(f, "model", model.serialize().toByteArray());
                    file = f.toString();
                }
                String provenance = new XMLProvenanceSerialization(false)
                        .serializeToString(ProvenanceUtil.marshalProvenance(model.getProvenance()));
                return RowFactory.create(run.name(), OK, null, trainData.size(), testData.size(), labels.accuracy(),
                        labels.macroAveragedF1(), cal.ece(), cal.mce(), cal.brier(), cal.nll(), seconds, executor, file,
                        trainer.toString(), provenance);
            }
        } catch (IOException | RuntimeException e) {
            String message = e.getClass().getSimpleName() + ": " + e.getMessage();
            return RowFactory.create(run.name(), FAILED, message, null, null, null, null, null, null, null, null, null,
                    executor, null, null, null);
        }
    }

    /**
     * The runs of several trainers, named {@code prefix-0}, {@code prefix-1}, ...
     * @param prefix the name prefix.
     * @param trainers the trainers.
     * @return the runs.
     */
    public static List<Run> runs(String prefix, List<LoraDropTrainer> trainers) {
        List<Run> out = new ArrayList<>(trainers.size());
        for (int i = 0; i < trainers.size(); i++) {
            out.add(Run.of(prefix + "-" + i, trainers.get(i)));
        }
        return out;
    }

    /**
     * A sweep of an experiments grid ({@link SweepGrid}, the grid files of {@code loradrop sweep}) on Spark: the
     * driver checks every configuration and the output folder and writes the manifest
     * ({@link Sweep#prepare()}), each run of the grid still to train becomes one Spark task that trains and evaluates it
     * ({@link Sweep#trainRun}, the single-JVM sweep's code), and the reports come back to the driver, which writes
     * them into the run folders and writes the same results table and HTML report as the single-JVM sweep
     * ({@link Sweep#record}, {@link SweepResult#writeAll}). A task that fails is retried by Spark; only the driver
     * writes reports, one per run, so a retried run is neither lost nor counted twice.
     * <p>
     * The data files (and the encoder and tokenizer of the base trainer) must be readable at the same paths on every
     * executor; so must the output folder when models are kept. Serializable: tasks capture it.
     */
    public static final class GridSweep implements Serializable {
        private static final long serialVersionUID = 1L;
        private static final ObjectMapper MAPPER = new ObjectMapper();

        private final String gridJson;
        private final Run base;
        private final String train;
        private final String dev;
        private final String test;
        private final String textColumn;
        private final String labelColumn;
        private final String outputDir;
        private final boolean resume;
        private final boolean saveModels;

        /**
         * Creates a grid sweep.
         * @param grid the grid.
         * @param base the base trainer (its settings apply unless the grid replaces them).
         * @param train the training file (CSV, TSV or JSON lines, read with {@link TextDataSource}).
         * @param dev the dev file (it selects), or null with k-fold cross-validation.
         * @param test the test file, or null.
         * @param textColumn the text column of the files.
         * @param labelColumn the label column of the files.
         * @param outputDir the output folder: new or empty, or one of this sweep with {@code resume}.
         * @param resume whether to keep the runs an earlier, interrupted sweep finished in the folder.
         * @param saveModels whether to keep each run's model in its run folder.
         * @throws JsonProcessingException never in practice (the grid as JSON).
         */
        public GridSweep(SweepGrid grid, LoraDropTrainer base, Path train, Path dev, Path test, String textColumn,
                         String labelColumn, Path outputDir, boolean resume, boolean saveModels) throws JsonProcessingException {
            this.gridJson = MAPPER.writeValueAsString(grid.toMap());
            this.base = Run.of("base", base);
            this.train = train.toAbsolutePath().toString();
            this.dev = dev == null ? null : dev.toAbsolutePath().toString();
            this.test = test == null ? null : test.toAbsolutePath().toString();
            this.textColumn = Objects.requireNonNull(textColumn, "textColumn");
            this.labelColumn = Objects.requireNonNull(labelColumn, "labelColumn");
            this.outputDir = outputDir.toAbsolutePath().toString();
            this.resume = resume;
            this.saveModels = saveModels;
        }

        /** The experiments sweep in this JVM: the grid, the base trainer and the data read from the files. */
        Sweep sweep() {
            return new Sweep(SweepGrid.fromJson(gridJson), base.trainer(),
                    new SweepData(read(train), dev == null ? null : read(dev), test == null ? null : read(test)),
                    Path.of(outputDir), resume, saveModels);
        }

        private MutableDataset<Label> read(String file) {
            return new MutableDataset<>(new TextDataSource(Path.of(file), textColumn, labelColumn));
        }

        /**
         * Runs the sweep: checks on the driver, one Spark task per run still to train, reports recorded and the
         * tables and report written into the output folder.
         * @param spark the session.
         * @return the results of every run, in sweep order.
         * @throws IOException when a file is missing or a report cannot be written.
         * @throws IllegalArgumentException when a configuration is invalid or the output folder is in use.
         */
        public SweepResult run(SparkSession spark) throws IOException {
            for (String f : java.util.Arrays.asList(train, dev, test)) {
                if (f != null && !Files.isRegularFile(Path.of(f))) {
                    throw new IOException("The sweep's data file does not exist: " + f);
                }
            }
            Sweep sweep = sweep();
            List<Integer> pending = sweep.prepare();
            Map<Integer, Map<String, Object>> reports = new TreeMap<>();
            if (!pending.isEmpty()) {
                JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
                reports.putAll(collect(reports(sc.parallelize(pending, pending.size()))));
            }
            SweepResult result = sweep.record(reports);
            result.writeAll(Path.of(outputDir));
            return result;
        }

        /**
         * The reports of runs, one task per partition of run indices (lazily): what {@link #run} collects. Each
         * element is a JSON object {@code {"index": i, "report": {...}}}.
         * @param indices the run indices (sweep order, 0-based).
         * @return the reports as JSON text.
         */
        public JavaRDD<String> reports(JavaRDD<Integer> indices) {
            return indices.mapPartitions((FlatMapFunction<Iterator<Integer>, String>) in -> {
                if (!in.hasNext()) {
                    return java.util.Collections.emptyIterator();
                }
                Sweep sweep = sweep();
                List<String> out = new ArrayList<>();
                while (in.hasNext()) {
                    int i = in.next();
                    Map<String, Object> m = new java.util.LinkedHashMap<>();
                    m.put("index", i);
                    m.put("report", sweep.trainRun(i));
                    out.add(MAPPER.writeValueAsString(m));
                }
                return out.iterator();
            });
        }

        /**
         * Collects reports on the driver, by run index.
         * @param reports the reports of {@link #reports}.
         * @return reports by run index.
         * @throws JsonProcessingException when a report is not the JSON {@link #reports} writes.
         * @throws IllegalStateException when a run came back twice.
         */
        public static Map<Integer, Map<String, Object>> collect(JavaRDD<String> reports) throws JsonProcessingException {
            Map<Integer, Map<String, Object>> out = new TreeMap<>();
            for (String json : reports.collect()) {
                Map<String, Object> m = MAPPER.readValue(json, new TypeReference<java.util.LinkedHashMap<String, Object>>() {});
                int i = ((Number) m.get("index")).intValue();
                @SuppressWarnings("unchecked")
                Map<String, Object> report = (Map<String, Object>) m.get("report");
                if (out.put(i, report) != null) {
                    throw new IllegalStateException("Run " + (i + 1) + " came back twice");
                }
            }
            return out;
        }
    }
}
