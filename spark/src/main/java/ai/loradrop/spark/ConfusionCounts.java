/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.spark;

import org.tribuo.ImmutableOutputInfo;
import org.tribuo.classification.Label;
import org.tribuo.classification.evaluation.ConfusionMatrix;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Tribuo's {@link ConfusionMatrix} over aggregated (weighted) counts rather than a list of predictions, so that
 * Tribuo's own {@link org.tribuo.classification.evaluation.ConfusionMetrics} compute accuracy, precision, recall and
 * F1 from counts summed on the executors. The semantics are those of Tribuo's {@code LabelConfusionMatrix}:
 * {@code confusion(predicted, truth)}, support counts true labels, the observed labels are those that occur as a true
 * or a predicted label.
 */
final class ConfusionCounts implements ConfusionMatrix<Label> {
    private final ImmutableOutputInfo<Label> domain;
    /** {@code [truth][predicted]} by label id. */
    private final double[][] counts;
    private final double total;
    private List<Label> labelOrder;

    ConfusionCounts(ImmutableOutputInfo<Label> domain, double[][] counts) {
        this.domain = domain;
        this.counts = counts;
        double t = 0;
        for (double[] row : counts) {
            for (double v : row) {
                t += v;
            }
        }
        this.total = t;
        List<Label> order = new ArrayList<>(domain.size());
        for (int i = 0; i < domain.size(); i++) {
            order.add(domain.getOutput(i));
        }
        this.labelOrder = Collections.unmodifiableList(order);
    }

    private int id(Label l) {
        int i = domain.getID(l);
        if (i < 0) {
            throw new IllegalArgumentException("Label '" + l.getLabel() + "' is not in the model's domain " + domain.getDomain());
        }
        return i;
    }

    @Override
    public ImmutableOutputInfo<Label> getDomain() {
        return domain;
    }

    @Override
    public Set<Label> observed() {
        Set<Label> out = new LinkedHashSet<>();
        for (int i = 0; i < counts.length; i++) {
            double asTruth = 0;
            double asPrediction = 0;
            for (int j = 0; j < counts.length; j++) {
                asTruth += counts[i][j];
                asPrediction += counts[j][i];
            }
            if (asTruth > 0 || asPrediction > 0) {
                out.add(domain.getOutput(i));
            }
        }
        return out;
    }

    @Override
    public double support() {
        return total;
    }

    @Override
    public double support(Label label) {
        double s = 0;
        for (double v : counts[id(label)]) {
            s += v;
        }
        return s;
    }

    @Override
    public double tp(Label label) {
        int i = id(label);
        return counts[i][i];
    }

    @Override
    public double fp(Label label) {
        int i = id(label);
        double s = 0;
        for (int t = 0; t < counts.length; t++) {
            s += t == i ? 0 : counts[t][i];
        }
        return s;
    }

    @Override
    public double fn(Label label) {
        int i = id(label);
        double s = 0;
        for (int p = 0; p < counts.length; p++) {
            s += p == i ? 0 : counts[i][p];
        }
        return s;
    }

    @Override
    public double tn(Label label) {
        return total - tp(label) - fp(label) - fn(label);
    }

    @Override
    public double confusion(Label predicted, Label truth) {
        return counts[id(truth)][id(predicted)];
    }

    @Override
    public List<Label> getLabelOrder() {
        return labelOrder;
    }

    @Override
    public void setLabelOrder(List<Label> order) {
        this.labelOrder = Collections.unmodifiableList(new ArrayList<>(order));
    }
}
