/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.it;

import ai.loradrop.cli.LoraDropCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.logging.Level;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTML reports of {@code loradrop sweep} and {@code loradrop report} opened in a real headless Chromium (Debian's
 * {@code chromium} and {@code chromium-driver}; {@code .ci/run} installs them): no console message at all, the
 * results table sorts on a click (ascending, then descending), and every plot is drawn.
 * <p>
 * The sweep runs on the tiny test encoder of the plugin's test resources. With
 * {@code -Dloradrop.screenshot.html=REPORT -Dloradrop.screenshot.png=PNG} the test also saves a screenshot of that
 * report (how {@code docs/sweep-report.png} was made).
 */
class HtmlReportBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** The tiny encoder (2 layers, hidden 32) of the plugin's tests. */
    static final Path TINY_MODEL = Path.of("..", "plugin", "src", "test", "resources", "peft", "tiny-legacy14-mean-none", "model.onnx");

    static final List<String> CLASSES = List.of("animal", "colour", "weather");
    static final List<String> KEYWORDS = List.of("dog", "red", "rain");
    static final List<String> FILLERS = List.of("the", "a", "on", "and", "with", "very", "old", "new", "big", "small",
            "house", "tree", "sky", "sun", "moon", "mat", "runs", "sits", "fast", "slow");

    @TempDir
    static Path tmp;

    static Path sweepReport;
    static Path runsReport;
    static Path profile;
    static ChromeDriver driver;

    @BeforeAll
    static void sweepAndBrowser() throws Exception {
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "this test needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver; .ci/run does)");
        Path model = tmp.resolve("model.onnx");
        Files.copy(TINY_MODEL, model, StandardCopyOption.REPLACE_EXISTING);
        List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        vocab.addAll(KEYWORDS);
        vocab.addAll(FILLERS);
        Files.write(tmp.resolve("vocab.txt"), vocab, StandardCharsets.UTF_8);
        writeData(tmp.resolve("train.csv"), 16, 1);
        writeData(tmp.resolve("dev.csv"), 6, 2);
        writeData(tmp.resolve("test.csv"), 6, 3);
        Files.writeString(tmp.resolve("grid.json"), """
                {"trainer": {"maxLength": 16, "rank": 4, "alpha": 8, "epochs": 2, "batchSize": 8, "learningRate": 0.01,
                             "warmupFraction": 0.0, "threads": 1},
                 "grid": {"dropoutMode": ["INPUT", "SPARSE"], "dropout": [0.0, 0.2]},
                 "repeats": 2, "ensembleSize": 3, "maxEnsembleSize": 4}
                """);
        Path out = tmp.resolve("sweep");
        run("sweep", "--grid", tmp.resolve("grid.json").toString(), "--train", tmp.resolve("train.csv").toString(),
                "--dev", tmp.resolve("dev.csv").toString(), "--test", tmp.resolve("test.csv").toString(),
                "--output-dir", out.toString(), "--base-model", model.toString(), "--tokenizer", tmp.resolve("vocab.txt").toString());
        sweepReport = out.resolve("report.html");
        List<Path> reports;
        try (Stream<Path> s = Files.list(out.resolve("runs"))) {
            reports = s.map(d -> d.resolve("report.json")).sorted(Comparator.naturalOrder()).toList();
        }
        runsReport = tmp.resolve("two-runs.html");
        run("report", reports.get(0).toString(), reports.get(1).toString(), "--output", runsReport.toString());

        profile = Files.createTempDirectory("loradrop-chromium-profile");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,2200",
                "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    }

    @AfterAll
    static void quit() throws IOException {
        if (driver != null) {
            driver.quit();
        }
        if (profile != null) {
            try (Stream<Path> s = Files.walk(profile)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void writeData(Path file, int perClass, long seed) throws IOException {
        Random rnd = new Random(seed);
        StringBuilder sb = new StringBuilder("text,label\n");
        for (int i = 0; i < perClass; i++) {
            for (int c = 0; c < CLASSES.size(); c++) {
                List<String> words = new ArrayList<>();
                int n = 3 + rnd.nextInt(4);
                for (int w = 0; w < n; w++) {
                    words.add(FILLERS.get(rnd.nextInt(FILLERS.size())));
                }
                words.add(rnd.nextInt(words.size() + 1), KEYWORDS.get(c));
                sb.append(String.join(" ", words)).append(',').append(CLASSES.get(c)).append('\n');
            }
        }
        Files.writeString(file, sb.toString());
    }

    private static void run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LoraDropCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, String.join(" ", args) + "\n" + out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8));
    }

    /** Opens a report and checks it loaded with no console message and its script ran to the end. */
    private static void open(Path html) {
        driver.get(html.toUri().toString());
        List<LogEntry> console = driver.manage().logs().get(LogType.BROWSER).getAll();
        assertEquals(List.of(), console.stream().map(LogEntry::toString).toList(), "console messages of " + html);
        assertEquals("true", driver.findElement(By.tagName("body")).getAttribute("data-report-ready"), "the script ran to its end");
    }

    private static void assertEveryPlotDrawn(int expected) {
        List<WebElement> plots = driver.findElements(By.cssSelector("svg.plot"));
        assertEquals(expected, plots.size());
        for (WebElement p : plots) {
            assertEquals("true", p.getAttribute("data-drawn"), "plot " + p.getAttribute("id") + " drawn");
            int marks = p.findElements(By.cssSelector("path, rect, circle")).size();
            assertTrue(marks > 0, "plot " + p.getAttribute("id") + " has marks");
        }
    }

    private static List<Double> column(int index) {
        List<Double> v = new ArrayList<>();
        for (WebElement row : driver.findElements(By.cssSelector("#results tbody tr"))) {
            String s = row.findElements(By.tagName("td")).get(index).getAttribute("data-value");
            v.add(s == null || s.isEmpty() ? Double.NaN : Double.parseDouble(s));
        }
        return v;
    }

    @Test
    void sweepReportHasNoConsoleErrorsSortsAndDrawsEveryPlot() throws Exception {
        open(sweepReport);
        // 8 runs: a loss plot and a reliability diagram each, plus K accuracy, K ECE, dropout and confusion.
        assertEveryPlotDrawn(4 + 2 * 8);
        assertEquals(8, driver.findElements(By.cssSelector("#results tbody tr")).size());
        assertEquals(1, driver.findElements(By.cssSelector("#results tbody tr.best")).size());
        List<WebElement> headers = driver.findElements(By.cssSelector("#results thead th"));
        int col = -1;
        for (int i = 0; i < headers.size(); i++) {
            if (headers.get(i).getText().startsWith("ECE det.+T")) {
                col = i;
            }
        }
        assertTrue(col > 0, "the ECE det.+T column");
        List<Double> before = column(col);
        headers.get(col).click();
        List<Double> asc = column(col);
        List<Double> sorted = new ArrayList<>(before);
        sorted.sort(Comparator.naturalOrder());
        assertEquals(sorted, asc, "ascending after one click");
        driver.findElements(By.cssSelector("#results thead th")).get(col).click();
        List<Double> desc = column(col);
        sorted.sort(Comparator.reverseOrder());
        assertEquals(sorted, desc, "descending after a second click");
        // Provenance is there, folded.
        List<WebElement> details = driver.findElements(By.cssSelector(".run details"));
        assertEquals(8, details.size());
        details.get(0).findElement(By.tagName("summary")).click();
        assertTrue(details.get(0).findElement(By.tagName("pre")).getText().contains("dropoutMode"));
        assertEquals(List.of(), driver.manage().logs().get(LogType.BROWSER).getAll().stream().map(LogEntry::toString).toList());
        byte[] png = driver.getScreenshotAs(OutputType.BYTES);
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G');
        saveRequestedScreenshot();
    }

    @Test
    void reportOfExistingRunReportsOpensCleanly() {
        // The console check can fail: a page that logs an error is seen.
        driver.get("data:text/html,<script>console.error('loradrop-check')</script>");
        assertTrue(driver.manage().logs().get(LogType.BROWSER).getAll().stream().anyMatch(e -> e.getMessage().contains("loradrop-check")));
        open(runsReport);
        assertEveryPlotDrawnOrEmpty();
        assertEquals(2, driver.findElements(By.cssSelector("#results tbody tr")).size());
    }

    /** Two runs of one seed may hold no ensemble (p = 0): plots without data say so instead of drawing. */
    private static void assertEveryPlotDrawnOrEmpty() {
        for (WebElement p : driver.findElements(By.cssSelector("svg.plot"))) {
            String drawn = p.getAttribute("data-drawn");
            assertTrue("true".equals(drawn) || "empty".equals(drawn), p.getAttribute("id") + ": " + drawn);
        }
        assertEquals("true", driver.findElement(By.id("plot-loss-0")).getAttribute("data-drawn"));
        assertEquals("true", driver.findElement(By.id("plot-reliability-0")).getAttribute("data-drawn"));
        assertEquals("true", driver.findElement(By.id("plot-confusion")).getAttribute("data-drawn"));
    }

    /** With -Dloradrop.screenshot.html and -Dloradrop.screenshot.png: a full-height screenshot of that report. */
    private static void saveRequestedScreenshot() throws IOException {
        String html = System.getProperty("loradrop.screenshot.html");
        String png = System.getProperty("loradrop.screenshot.png");
        if (html == null || png == null) {
            return;
        }
        open(Path.of(html).toAbsolutePath());
        Object height = driver.executeScript("return document.body.scrollHeight;");
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(1400, Math.min(((Number) height).intValue() + 40, 6000)));
        Files.write(Path.of(png), driver.getScreenshotAs(OutputType.BYTES));
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(1400, 2200));
    }
}
