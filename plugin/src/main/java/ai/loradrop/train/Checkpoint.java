/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.train;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The complete state of a training run between two steps: where the run is, the optimiser state, the epoch in
 * progress, the best parameters so far and the history. With the seed (which fixes initialisation, epoch order and
 * masks) it is all a run needs to continue exactly as if never interrupted.
 * <p>
 * Written atomically: to a temporary file in the same folder, then moved over the old checkpoint. A CRC-32 of the
 * content precedes the trailer, so a truncated or damaged file is refused rather than resumed from.
 *
 * @param fingerprint identifies the run ({@link RunFingerprint}); resuming another run is refused.
 * @param position where the run is.
 * @param state the parameters and AdamW moments.
 * @param epochProgress the loss sums of the epoch in progress.
 * @param best the best parameters so far, by validation loss.
 * @param history finished epochs.
 */
public record Checkpoint(String fingerprint, Position position, OptimizerState state, EpochProgress epochProgress,
                         Best best, List<EpochStats> history) {
    /**
     * Where a run is.
     * @param step optimisation steps done.
     * @param epoch the 0-based epoch in progress.
     * @param batchInEpoch batches of that epoch done.
     */
    public record Position(long step, int epoch, int batchInEpoch) {}

    /**
     * The optimiser state.
     * @param params the parameters.
     * @param m the first moments.
     * @param v the second moments.
     */
    public record OptimizerState(float[] params, float[] m, float[] v) {}

    /**
     * The running sums of the epoch in progress, whose quotient is its mean training loss.
     * @param lossSum the weighted loss sum.
     * @param weightSum the weight sum.
     */
    public record EpochProgress(double lossSum, double weightSum) {
        /** Nothing done yet. */
        public static final EpochProgress NONE = new EpochProgress(0, 0);
    }

    /**
     * The best parameters so far and early-stopping state.
     * @param params the best parameters (empty when none).
     * @param loss their validation loss.
     * @param epoch their 1-based epoch (0 when none).
     * @param badEpochs epochs without improvement since.
     */
    public record Best(float[] params, double loss, int epoch, int badEpochs) {
        /** No validation yet. */
        public static final Best NONE = new Best(new float[0], Double.POSITIVE_INFINITY, 0, 0);
    }

    private static final int MAGIC = 0x4C44434B; // "LDCK"
    /** Version 2 added a CRC-32 of the content before the trailer; version 1 files (no checksum) are still read. */
    private static final int VERSION = 2;
    /** The checkpoint's file name inside a checkpoint folder. */
    public static final String FILE_NAME = "checkpoint.bin";

    /**
     * Writes atomically.
     * @param dir the checkpoint folder (created if missing).
     * @throws IOException when writing fails; the previous checkpoint is then untouched.
     */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path target = dir.resolve(FILE_NAME);
        ai.loradrop.io.AtomicFiles.write(target, "checkpoint", stream -> {
            CRC32 crc = new CRC32();
            DataOutputStream out = new DataOutputStream(new CheckedOutputStream(stream, crc));
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeUTF(fingerprint);
            out.writeLong(position.step());
            out.writeInt(position.epoch());
            out.writeInt(position.batchInEpoch());
            writeFloats(out, state.params());
            writeFloats(out, state.m());
            writeFloats(out, state.v());
            out.writeDouble(epochProgress.lossSum());
            out.writeDouble(epochProgress.weightSum());
            writeFloats(out, best.params());
            out.writeDouble(best.loss());
            out.writeInt(best.epoch());
            out.writeInt(best.badEpochs());
            out.writeInt(history.size());
            for (EpochStats e : history) {
                out.writeInt(e.epoch());
                out.writeDouble(e.trainLoss());
                out.writeDouble(e.validationLoss());
                out.writeDouble(e.validationAccuracy());
            }
            out.writeLong(crc.getValue());
            out.writeInt(MAGIC);
            out.flush();
        });
    }

    /**
     * Reads the checkpoint of a folder.
     * @param dir the checkpoint folder.
     * @return the checkpoint.
     * @throws IOException when it is missing, truncated or corrupt.
     */
    public static Checkpoint read(Path dir) throws IOException {
        Path f = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(f)) {
            throw new IOException("No checkpoint in " + dir);
        }
        long size = Files.size(f);
        CRC32 crc = new CRC32();
        try (DataInputStream in = new DataInputStream(new CheckedInputStream(
                new BufferedInputStream(Files.newInputStream(f), 1 << 16), crc))) {
            if (in.readInt() != MAGIC) {
                throw new IOException("Not a LoRA-Drop checkpoint: " + f);
            }
            int version = in.readInt();
            if (version != VERSION && version != 1) {
                throw new IOException("Unsupported checkpoint version " + version + " in " + f);
            }
            String fp;
            try {
                fp = in.readUTF();
            } catch (java.io.UTFDataFormatException e) {
                throw new IOException("Checkpoint is corrupt (unreadable run fingerprint): " + f, e);
            }
            long step = in.readLong();
            int epoch = in.readInt();
            int batch = in.readInt();
            float[] p = readFloats(in, size, f);
            float[] m = readFloats(in, size, f);
            float[] v = readFloats(in, size, f);
            double ls = in.readDouble();
            double ws = in.readDouble();
            float[] best = readFloats(in, size, f);
            double bestLoss = in.readDouble();
            int bestEpoch = in.readInt();
            int bad = in.readInt();
            int h = in.readInt();
            List<EpochStats> hist = new ArrayList<>();
            for (int i = 0; i < h; i++) {
                hist.add(new EpochStats(in.readInt(), in.readDouble(), in.readDouble(), in.readDouble()));
            }
            if (version >= 2) {
                long computed = crc.getValue();
                if (in.readLong() != computed) {
                    throw new IOException("Checkpoint is corrupt (checksum mismatch): " + f);
                }
            }
            if (in.readInt() != MAGIC) {
                throw new IOException("Checkpoint is corrupt (bad trailer): " + f);
            }
            return new Checkpoint(fp, new Position(step, epoch, batch), new OptimizerState(p, m, v), new EpochProgress(ls, ws),
                    new Best(best, bestLoss, bestEpoch, bad), hist);
        } catch (java.io.EOFException e) {
            throw new IOException("Checkpoint is truncated: " + f, e);
        }
    }

    private static void writeFloats(DataOutputStream out, float[] a) throws IOException {
        out.writeInt(a.length);
        for (float x : a) {
            out.writeFloat(x);
        }
    }

    private static float[] readFloats(DataInputStream in, long fileSize, Path f) throws IOException {
        int n = in.readInt();
        if (n < 0 || 4L * n > fileSize) {
            throw new IOException("Checkpoint is corrupt (vector length " + n + " in a file of " + fileSize + " bytes): " + f);
        }
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = in.readFloat();
        }
        return a;
    }
}
