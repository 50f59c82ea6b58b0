/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.interop;

import ai.loradrop.io.AtomicFiles;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes an adapter folder as a whole: every file goes into a hidden temporary sibling folder
 * ({@code .<name>.loradrop-tmp-<pid>-<random>}), which replaces the folder only once it is complete. An existing
 * folder is renamed aside ({@code .<name>.loradrop-old-<pid>-<random>}) just before the new one is renamed into its
 * place and deleted after; entries of it that the write does not produce (a README, say) are carried over. A failure
 * or a kill before the swap leaves the old folder untouched; the next write removes the leftovers of writers that no
 * longer run, and puts a folder renamed aside back when a kill came between the two renames.
 */
final class AdapterFolder {
    private static final Logger logger = Logger.getLogger(AdapterFolder.class.getName());
    private static final Pattern LEFTOVER = Pattern.compile("\\.(.+)\\.loradrop-(tmp|old)-(\\d+)-[0-9a-z]+");

    /** Writes one file of the folder. */
    @FunctionalInterface
    interface FileContent {
        /**
         * Writes the file.
         * @param file the file in the temporary folder.
         * @throws IOException when writing fails.
         */
        void write(Path file) throws IOException;
    }

    /** Test seam: called with each file name after that file is complete in the temporary folder. */
    interface AfterFile {
        /**
         * Called after a file.
         * @param name the file name.
         * @throws IOException to simulate a failure.
         */
        void written(String name) throws IOException;
    }

    /** Set by tests only, to inject a failure between files. */
    static volatile AfterFile afterFile;

    private AdapterFolder() {}

    /**
     * Writes the folder.
     * @param dir the folder (created with its parents if missing; replaced as a whole if present).
     * @param files the file names and their writers, in writing order.
     * @throws IOException naming the folder when anything fails; the previous folder is then unchanged.
     */
    static void write(Path dir, Map<String, FileContent> files) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        Path target = Files.exists(abs) ? abs.toRealPath() : abs;
        if (Files.exists(target) && !Files.isDirectory(target)) {
            throw new IOException("Cannot write the adapter folder " + dir + ": it is a file");
        }
        Path parent = target.getParent();
        if (parent == null || target.getFileName() == null) {
            throw new IOException("Cannot write the adapter folder " + dir + ": not a folder path");
        }
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new IOException("Cannot create the folder " + parent + " for the adapter folder " + dir + ": " + e, e);
        }
        String name = target.getFileName().toString();
        for (String f : files.keySet()) {
            Path existing = target.resolve(f);
            if (Files.exists(existing, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(existing, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("Cannot write the adapter folder " + dir + ": " + existing + " is not a file; refusing to replace it");
            }
        }
        cleanLeftovers(parent, name, target);
        long pid = ProcessHandle.current().pid();
        String suffix = pid + "-" + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
        Path tmp = parent.resolve("." + name + ".loradrop-tmp-" + suffix);
        Path old = parent.resolve("." + name + ".loradrop-old-" + suffix);
        try {
            Files.createDirectory(tmp);
            for (Map.Entry<String, FileContent> f : files.entrySet()) {
                f.getValue().write(tmp.resolve(f.getKey()));
                AfterFile hook = afterFile;
                if (hook != null) {
                    hook.written(f.getKey());
                }
            }
            if (Files.isDirectory(target)) {
                carryOver(target, tmp, files);
            }
            force(tmp);
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp, e);
            if (e instanceof IOException io) {
                throw new IOException("Cannot write the adapter folder " + dir + " (the previous content, if any, is unchanged): "
                        + io.getMessage(), io);
            }
            throw e;
        }
        boolean replacing = Files.isDirectory(target);
        try {
            if (replacing) {
                move(target, old);
            }
            try {
                move(tmp, target);
            } catch (IOException e) {
                if (replacing) {
                    try {
                        move(old, target);
                    } catch (IOException x) {
                        e.addSuppressed(x);
                    }
                }
                throw e;
            }
        } catch (IOException e) {
            deleteTree(tmp, e);
            throw new IOException("Cannot put the new adapter folder in place of " + dir + ": " + e, e);
        }
        force(parent);
        if (replacing) {
            IOException failed = new IOException("Cannot delete the previous adapter folder " + old);
            deleteTree(old, failed);
            if (failed.getSuppressed().length > 0) {
                logger.warning(failed.getMessage() + ": " + failed.getSuppressed()[0]);
            }
        }
    }

    /** Hard links (or copies) the entries of the old folder the new one does not have. */
    private static void carryOver(Path from, Path to, Map<String, FileContent> files) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(from)) {
            for (Path p : s) {
                String n = p.getFileName().toString();
                if (files.containsKey(n) || Files.exists(to.resolve(n))) {
                    continue;
                }
                copyTree(p, to.resolve(n));
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        if (Files.isDirectory(from) && !Files.isSymbolicLink(from)) {
            Files.createDirectory(to);
            try (DirectoryStream<Path> s = Files.newDirectoryStream(from)) {
                for (Path p : s) {
                    copyTree(p, to.resolve(p.getFileName().toString()));
                }
            }
        } else if (Files.isRegularFile(from) && !Files.isSymbolicLink(from)) {
            try {
                Files.createLink(to, from);
            } catch (IOException | UnsupportedOperationException e) {
                Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
            }
        } else {
            Files.copy(from, to, java.nio.file.LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    /**
     * Removes the temporary and renamed-aside folders of writers of this folder that no longer run, after putting a
     * renamed-aside folder back when the folder itself is missing (a kill between the two renames).
     */
    private static void cleanLeftovers(Path parent, String name, Path target) throws IOException {
        List<Path> stale = new ArrayList<>();
        try (Stream<Path> s = Files.list(parent)) {
            s.forEach(p -> {
                Matcher m = LEFTOVER.matcher(p.getFileName().toString());
                if (m.matches() && m.group(1).equals(name)
                        && !ProcessHandle.of(Long.parseLong(m.group(3))).map(ProcessHandle::isAlive).orElse(false)) {
                    stale.add(p);
                }
            });
        }
        stale.sort(Comparator.comparing(p -> p.getFileName().toString()));
        for (Path p : stale) {
            if (!Files.exists(target) && p.getFileName().toString().contains(".loradrop-old-")) {
                logger.warning("Restoring the adapter folder " + target + " from " + p + ", left by a write that was killed");
                move(p, target);
                continue;
            }
            IOException failed = new IOException("Cannot remove " + p);
            deleteTree(p, failed);
            if (failed.getSuppressed().length == 0) {
                logger.info("Removed " + p + ", left by an adapter export that did not finish");
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Forces a folder's entries to disk where the platform allows it. */
    private static void force(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Not every platform opens folders; the files themselves were forced by AtomicFiles.
        }
    }

    private static void deleteTree(Path p, Exception collect) {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(q);
                } catch (IOException e) {
                    collect.addSuppressed(e);
                }
            }
        } catch (IOException e) {
            collect.addSuppressed(e);
        }
    }

    /**
     * A writer that stores bytes with {@link AtomicFiles} (forced to disk).
     * @param what what the file holds, for error messages.
     * @param bytes the content.
     * @return the writer.
     */
    static FileContent bytes(String what, byte[] bytes) {
        return f -> AtomicFiles.write(f, what, bytes);
    }
}
