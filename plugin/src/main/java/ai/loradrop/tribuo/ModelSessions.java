/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.onnx.EncoderModel;
import ai.loradrop.programs.ClassifierSpec;
import ai.loradrop.programs.EnsemblePredict;
import ai.loradrop.programs.Predict;
import ai.onnxruntime.OrtException;

import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The prediction programs of one LoRA-Drop model (deterministic and ensemble), created on first use. Holds no
 * reference to the model, so a cleaner can close it once the model is unreachable.
 */
final class ModelSessions implements Runnable {
    private final EncoderModel encoder;
    private final ClassifierSpec spec;
    private final float[] params;
    private final ModelSettings settings;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile Predict predict;
    private volatile EnsemblePredict ensemble;
    volatile boolean closed;

    ModelSessions(EncoderModel encoder, ClassifierSpec spec, float[] params, ModelSettings settings) {
        this.encoder = encoder;
        this.spec = spec;
        this.params = params;
        this.settings = settings;
    }

    interface Work<R> {
        R apply(ModelSessions s) throws OrtException;
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("This LoRA-Drop model has been closed; deserialize or copy it again to predict");
        }
    }

    <R> R use(Work<R> work) {
        lock.readLock().lock();
        try {
            checkOpen();
            return work.apply(this);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed while predicting: " + e.getMessage(), e);
        } finally {
            lock.readLock().unlock();
        }
    }

    Predict predict() throws OrtException {
        Predict p = predict;
        if (p == null) {
            synchronized (this) {
                p = predict;
                if (p == null) {
                    p = new Predict(encoder, spec, params, true, settings.quantizedMerge(), settings.threads());
                    predict = p;
                }
            }
        }
        return p;
    }

    EnsemblePredict ensemble() throws OrtException {
        EnsemblePredict e = ensemble;
        if (e == null) {
            synchronized (this) {
                e = ensemble;
                if (e == null) {
                    // Members keep float LoRA branches whatever quantizedMerge says: each has its own masks.
                    e = new EnsemblePredict(encoder, spec, params, settings.ensembleSize(), settings.ensembleSeed(),
                            settings.threads());
                    ensemble = e;
                }
            }
        }
        return e;
    }

    /** Closes the sessions (the cleaner's action). */
    @Override
    public void run() {
        lock.writeLock().lock();
        try {
            closed = true;
            if (predict != null) {
                predict.close();
                predict = null;
            }
            if (ensemble != null) {
                ensemble.close();
                ensemble = null;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
