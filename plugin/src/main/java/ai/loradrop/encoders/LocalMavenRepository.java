/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.encoders;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local Maven repository, where {@code mvn} keeps the artifacts it has fetched: the system property
 * {@code maven.repo.local} when set, else the {@code <localRepository>} of the user's {@code ~/.m2/settings.xml},
 * else {@code ~/.m2/repository} (Maven's default).
 *
 * @param path   the repository's root folder.
 * @param origin where the location came from.
 */
public record LocalMavenRepository(Path path, Origin origin) {
    private static final Logger logger = Logger.getLogger(LocalMavenRepository.class.getName());

    /** The system property Maven itself reads for the location. */
    public static final String PROPERTY = "maven.repo.local";

    private static final Pattern LOCAL_REPOSITORY = Pattern.compile("<localRepository>\\s*(.*?)\\s*</localRepository>", Pattern.DOTALL);
    private static final Pattern COMMENT = Pattern.compile("<!--.*?-->", Pattern.DOTALL);
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(env\\.)?([^}]+)}");

    /** Where a repository location came from. */
    public enum Origin {
        /** The system property {@code maven.repo.local}. */
        SYSTEM_PROPERTY,
        /** The {@code <localRepository>} of {@code ~/.m2/settings.xml}. */
        USER_SETTINGS,
        /** Maven's default, {@code ~/.m2/repository}. */
        DEFAULT,
        /** Given by the caller. */
        GIVEN
    }

    /**
     * Checks the parts.
     * @param path the folder.
     * @param origin where it came from.
     */
    public LocalMavenRepository {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(origin, "origin");
    }

    /**
     * A repository at a given folder (commands that fetch into it name it with {@code -Dmaven.repo.local}).
     * @param path the folder.
     * @return the repository.
     */
    public static LocalMavenRepository at(Path path) {
        return new LocalMavenRepository(path, Origin.GIVEN);
    }

    /**
     * The repository {@code mvn} uses for this user.
     * @return the repository (its folder need not exist).
     */
    public static LocalMavenRepository locate() {
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            return new LocalMavenRepository(Path.of(property.trim()), Origin.SYSTEM_PROPERTY);
        }
        Path m2 = Path.of(System.getProperty("user.home"), ".m2");
        Path settings = m2.resolve("settings.xml");
        if (Files.isRegularFile(settings)) {
            try {
                String xml = COMMENT.matcher(Files.readString(settings, StandardCharsets.UTF_8)).replaceAll("");
                Matcher m = LOCAL_REPOSITORY.matcher(xml);
                if (m.find() && !m.group(1).isBlank()) {
                    return new LocalMavenRepository(Path.of(expand(m.group(1))), Origin.USER_SETTINGS);
                }
            } catch (IOException | RuntimeException e) {
                logger.warning("Cannot read the localRepository of " + settings + " (" + e.getMessage()
                        + "); using " + m2.resolve("repository"));
            }
        }
        return new LocalMavenRepository(m2.resolve("repository"), Origin.DEFAULT);
    }

    /** Expands {@code ${user.home}}-style system properties and {@code ${env.NAME}} variables, as Maven does. */
    static String expand(String value) {
        Matcher m = PLACEHOLDER.matcher(value);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = m.group(1) != null ? System.getenv(m.group(2)) : System.getProperty(m.group(2));
            m.appendReplacement(sb, Matcher.quoteReplacement(v != null ? v : m.group()));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /**
     * The one command that fetches an artifact (and nothing it depends on) into this repository.
     * @param artifact the artifact.
     * @return {@code mvn dependency:get -Dartifact=G:A:V -Dtransitive=false}, with {@code -Dmaven.repo.local=...}
     *         when this repository is not the one {@code mvn} uses by itself.
     */
    public String fetchCommand(MavenArtifact artifact) {
        String repo = origin == Origin.SYSTEM_PROPERTY || origin == Origin.GIVEN
                ? " -D" + PROPERTY + "=" + quoted(path.toAbsolutePath().toString()) : "";
        return "mvn dependency:get -Dartifact=" + artifact.coordinates() + " -Dtransitive=false" + repo;
    }

    private static String quoted(String s) {
        return s.matches("[A-Za-z0-9_./:@%+=,-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }
}
