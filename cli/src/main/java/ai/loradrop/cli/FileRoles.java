/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one check every command makes before any work: the files it reads and the files it will write, each under the
 * option that names it, must not collide. An output may not be an input (writing it would destroy the input), two
 * outputs may not be the same file (the second would replace the first), and every output's folder must accept a new
 * file. Paths are compared as the files they are: after {@code ..}, symbolic links (of the file or of a folder on
 * its path) and hard links. Options that stand for several files (a diagram prefix, an adapter folder, a base model
 * folder) are registered as the files they expand to.
 */
final class FileRoles {
    /** A file under the option that names it; {@code shown} is what the user wrote. */
    private record Entry(String option, Path shown, Path real) {}

    private final Args args;
    private final List<Entry> inputs = new ArrayList<>();
    private final List<Entry> outputs = new ArrayList<>();

    private FileRoles(Args args) {
        this.args = args;
    }

    /**
     * Starts the files of one command.
     * @param args the command's options (for the usage line of errors).
     * @return the empty set of files.
     */
    static FileRoles of(Args args) {
        return new FileRoles(args);
    }

    /**
     * A file the command reads.
     * @param option the option that names it.
     * @param file the file, or null (ignored).
     * @return this.
     */
    FileRoles input(String option, Path file) {
        if (file != null) {
            inputs.add(new Entry(option, file, real(file)));
        }
        return this;
    }

    /**
     * A file the command writes.
     * @param option the option that names it.
     * @param file the file, or null (ignored).
     * @return this.
     */
    FileRoles output(String option, Path file) {
        if (file != null) {
            outputs.add(new Entry(option, file, real(file)));
        }
        return this;
    }

    /**
     * The files a reliability-diagram prefix expands to, {@code PREFIX.png} and {@code PREFIX.svg}, as outputs.
     * @param option the option.
     * @param prefix the prefix, or null (ignored).
     * @return this.
     */
    FileRoles diagram(String option, String prefix) {
        if (prefix != null) {
            for (Path p : EvaluationReport.diagramFiles(prefix)) {
                output(option, p);
            }
        }
        return this;
    }

    /**
     * Checks the files.
     * @throws UsageException naming both options and the file when two collide, or the folder that cannot be written.
     */
    void check() {
        for (int i = 0; i < outputs.size(); i++) {
            Entry o = outputs.get(i);
            for (Entry in : inputs) {
                if (same(o, in)) {
                    throw args.error("The file given to " + o.option() + " (" + o.shown() + ") is also the " + in.option()
                            + " input" + (in.shown().equals(o.shown()) ? "" : " (" + in.shown() + ")")
                            + ": writing it would destroy that input; choose another " + o.option() + " path");
                }
            }
            for (int j = 0; j < i; j++) {
                Entry other = outputs.get(j);
                if (same(o, other)) {
                    throw args.error(o.option().equals(other.option())
                            ? o.option() + " names the same file twice (" + o.shown() + ")"
                            : "The files given to " + other.option() + " (" + other.shown() + ") and " + o.option() + " ("
                            + o.shown() + ") are the same file: one would replace the other; choose different paths");
                }
            }
        }
        List<Path> probed = new ArrayList<>();
        for (Entry o : outputs) {
            Path dir = o.real().getParent();
            if (dir != null && !probed.contains(dir)) {
                probed.add(dir);
                checkWritableFolder(o.option(), dir);
            }
        }
    }

    /** Whether two entries are the same file: equal real paths, or (both existing) the same file by inode. */
    private static boolean same(Entry a, Entry b) {
        if (a.real().equals(b.real())) {
            return true;
        }
        try {
            return Files.exists(a.real()) && Files.exists(b.real()) && Files.isSameFile(a.real(), b.real());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The file's real path: links resolved; for a file that does not exist yet, its folder's real path and its name.
     */
    static Path real(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        try {
            // A link to a file that does not exist yet: follow it by hand (a few hops; cycles end the loop).
            for (int hops = 0; hops < 40 && Files.isSymbolicLink(abs) && !Files.exists(abs); hops++) {
                abs = abs.resolveSibling(Files.readSymbolicLink(abs)).toAbsolutePath().normalize();
            }
            if (Files.exists(abs)) {
                return abs.toRealPath();
            }
            Path parent = abs.getParent();
            if (parent != null && Files.exists(parent)) {
                return parent.toRealPath().resolve(abs.getFileName());
            }
        } catch (IOException e) {
            // Unreadable: compare as written.
        }
        return abs;
    }

    /**
     * Checks that a new file can be created in the folder, by creating and deleting an empty hidden file (permission
     * bits alone do not tell: read-only file systems, ACLs, root).
     */
    private void checkWritableFolder(String option, Path dir) {
        if (!Files.isDirectory(dir)) {
            throw args.error("The folder of the file given to " + option + " does not exist: " + dir);
        }
        Path probe = null;
        try {
            probe = Files.createTempFile(dir, ".loradrop-write-check-", ".tmp");
        } catch (IOException | SecurityException e) {
            throw args.error("Cannot write in the folder of the file given to " + option + ": " + dir + " ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        } finally {
            if (probe != null) {
                try {
                    Files.deleteIfExists(probe);
                } catch (IOException ignored) {
                    // An empty hidden file is left; AtomicFiles removes stale ones on its next write there.
                }
            }
        }
    }
}
