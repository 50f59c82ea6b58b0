/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.experiments;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Grid expansion from the JSON and the OLCUT XML form, and the errors of bad grids. */
class SweepGridTest {
    @TempDir
    Path tmp;

    static final String JSON = """
            {"trainer": {"epochs": 2, "targetModules": ["query", "value"]},
             "grid": {"dropoutMode": ["INPUT", "SPARSE"], "dropout": [0.0, 0.05, 0.1], "rank": [4, 8]},
             "seeds": [7, 8, 9], "ensembleSize": 4, "maxEnsembleSize": 16}
            """;

    static final String XML = """
            <?xml version="1.0" encoding="UTF-8"?>
            <config>
              <component name="sweep" type="ai.loradrop.experiments.SweepGrid">
                <propertymap name="trainer">
                  <entry key="epochs" value="2"/>
                  <entry key="targetModules" value="query,value"/>
                </propertymap>
                <propertylist name="axes">
                  <item>mode-axis</item>
                  <item>dropout-axis</item>
                  <item>rank-axis</item>
                </propertylist>
                <propertylist name="seeds"><item>7</item><item>8</item><item>9</item></propertylist>
                <property name="ensembleSize" value="4"/>
                <property name="maxEnsembleSize" value="16"/>
              </component>
              <component name="mode-axis" type="ai.loradrop.experiments.GridAxis">
                <property name="field" value="dropoutMode"/>
                <propertylist name="values"><item>INPUT</item><item>SPARSE</item></propertylist>
              </component>
              <component name="dropout-axis" type="ai.loradrop.experiments.GridAxis">
                <property name="field" value="dropout"/>
                <propertylist name="values"><item>0.0</item><item>0.05</item><item>0.1</item></propertylist>
              </component>
              <component name="rank-axis" type="ai.loradrop.experiments.GridAxis">
                <property name="field" value="rank"/>
                <propertylist name="values"><item>4</item><item>8</item></propertylist>
              </component>
            </config>
            """;

    @Test
    void jsonGridExpandsToTheCartesianProductTimesSeeds() {
        SweepGrid g = SweepGrid.fromJson(JSON);
        List<RunSpec> runs = g.expand();
        assertEquals(2 * 3 * 2 * 3, runs.size());
        assertEquals(12, g.configurations().size());
        // Seeds outermost, then the first axis slowest, the last fastest.
        RunSpec first = runs.get(0);
        assertEquals(Map.of("dropoutMode", "INPUT", "dropout", "0.0", "rank", "4"), first.axisValues());
        assertEquals(7L, first.seed());
        assertEquals("8", runs.get(1).axisValues().get("rank"));
        assertEquals("0.05", runs.get(2).axisValues().get("dropout"));
        assertEquals("SPARSE", runs.get(6).axisValues().get("dropoutMode"));
        assertEquals(8L, runs.get(12).seed());
        assertEquals(first.axisValues(), runs.get(12).axisValues());
        assertEquals("2", first.settings().get("epochs"));
        assertEquals("query,value", first.settings().get("targetModules"));
        assertEquals("dropoutMode=INPUT dropout=0.0 rank=4 seed=7", first.label());
        for (int i = 0; i < runs.size(); i++) {
            assertEquals(i, runs.get(i).index());
        }
        assertEquals(4, g.ensembleSize());
        assertEquals(16, g.maxEnsembleSize());
    }

    @Test
    void xmlGridExpandsExactlyLikeTheSameJsonGrid() throws Exception {
        Path xml = tmp.resolve("grid.xml");
        Files.writeString(xml, XML);
        Path json = tmp.resolve("grid.json");
        Files.writeString(json, JSON);
        SweepGrid fromXml = SweepGrid.load(xml);
        SweepGrid fromJson = SweepGrid.load(json);
        assertEquals(fromJson.expand(), fromXml.expand());
        assertEquals(fromJson.toMap(), fromXml.toMap());
    }

    @Test
    void theExampleGridsInBothFormatsAreTheSameSweep() throws Exception {
        Path dir = Path.of("..", "examples", "configs");
        SweepGrid json = SweepGrid.load(dir.resolve("sweep-wordnet.json"));
        SweepGrid xml = SweepGrid.load(dir.resolve("sweep-wordnet.xml"));
        assertEquals(json.expand(), xml.expand());
        assertEquals(json.toMap(), xml.toMap());
        assertEquals(18, json.expand().size());
    }

    @Test
    void repeatsGiveSeedsOneToN() {
        SweepGrid g = SweepGrid.fromJson("{\"grid\": {\"dropout\": [0.1]}, \"repeats\": 3}");
        assertEquals(List.of(1L, 2L, 3L), g.effectiveSeeds());
        assertEquals(3, g.expand().size());
        assertEquals("base", SweepGrid.fromJson("{}").expand().get(0).configLabel());
    }

    @Test
    void badGridsAreSpecificErrors() throws Exception {
        Path f = tmp.resolve("bad.json");
        Files.writeString(f, "{\"grid\": {\"dropout\": [0.1]}, \"sedes\": [1]}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SweepGrid.load(f));
        assertTrue(e.getMessage().contains("bad.json") && e.getMessage().contains("'sedes'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SweepGrid.fromJson("{\"grid\": {\"dropout\": 0.1}}"));
        assertTrue(e.getMessage().contains("grid.dropout must be an array"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SweepGrid.load(write("seed.json", "{\"grid\": {\"seed\": [1, 2]}}")));
        assertTrue(e.getMessage().contains("seeds"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SweepGrid.load(write("rep.json", "{\"grid\": {\"rank\": [4, 4]}}")));
        assertTrue(e.getMessage().contains("repeats a value"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SweepGrid.load(write("broken.json", "{\"grid\": {\n\"rank\": [4,}}")));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SweepGrid.load(write("grid.yaml", "grid: {}")));
        assertTrue(e.getMessage().contains("JSON (.json) or OLCUT XML (.xml)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainerFields.checkNames(List.of("dropuot")));
        assertTrue(e.getMessage().contains("'dropuot' is not a LoraDropTrainer field") && e.getMessage().contains("dropoutMode"),
                e.getMessage());
    }

    private Path write(String name, String content) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, content);
        return p;
    }
}
