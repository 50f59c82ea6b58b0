/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo.data;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.config.ConfigurableName;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import com.oracle.labs.mlrg.olcut.provenance.ConfiguredObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.impl.ConfiguredObjectProvenanceImpl;
import org.tribuo.data.columnar.ColumnarFeature;
import org.tribuo.data.columnar.FieldProcessor;
import org.tribuo.data.columnar.RowProcessor;

import java.util.List;

/**
 * A {@link FieldProcessor} that emits the same single feature for every value of its field, whatever the
 * value is (including empty).
 * <p>
 * It lets Tribuo's stock columnar route ({@code CSVDataSource} + {@link RowProcessor}) build text examples:
 * an {@code IdentityExtractor} copies the text column into the example metadata, and this processor, bound
 * to the same (or any always-present) column, gives each example the one feature Tribuo requires. By
 * default the feature is {@link TextExamples#PLACEHOLDER_FEATURE} with value
 * {@link TextExamples#PLACEHOLDER_VALUE}, so the examples match those built by {@link TextExamples} and
 * {@link TextDataSource}. In an OLCUT XML file:
 * <pre>{@code
 * <component name="text-placeholder" type="ai.loradrop.tribuo.data.ConstantFieldProcessor">
 *     <property name="fieldName" value="text"/>
 * </component>
 * }</pre>
 */
public final class ConstantFieldProcessor implements FieldProcessor {

    @Config(mandatory = true, description = "The field (column) this processor is bound to; its value is ignored.")
    private String fieldName;

    @Config(description = "The name of the emitted feature.")
    private String featureName = TextExamples.PLACEHOLDER_FEATURE;

    @Config(description = "The value of the emitted feature; finite and non-zero.")
    private double featureValue = TextExamples.PLACEHOLDER_VALUE;

    @ConfigurableName
    private String configName;

    /**
     * For OLCUT.
     */
    private ConstantFieldProcessor() {}

    /**
     * Creates a processor emitting the text placeholder feature for the given field.
     * @param fieldName The field (column) to bind to.
     */
    public ConstantFieldProcessor(String fieldName) {
        this(fieldName, TextExamples.PLACEHOLDER_FEATURE, TextExamples.PLACEHOLDER_VALUE);
    }

    /**
     * Creates a processor emitting the given feature for the given field.
     * @param fieldName The field (column) to bind to.
     * @param featureName The feature name.
     * @param featureValue The feature value, finite and non-zero.
     * @throws PropertyException If a name is blank or the value is zero or not finite.
     */
    public ConstantFieldProcessor(String fieldName, String featureName, double featureValue) {
        this.fieldName = fieldName;
        this.featureName = featureName;
        this.featureValue = featureValue;
        postConfig();
    }

    /**
     * Validates the configuration. Used by OLCUT and the constructors.
     * @throws PropertyException If a name is blank or the value is zero or not finite.
     */
    @Override
    public void postConfig() {
        String name = configName == null ? "" : configName;
        if (fieldName == null || fieldName.isBlank()) {
            throw new PropertyException(name, "fieldName", "fieldName must not be blank");
        }
        if (featureName == null || featureName.isBlank()) {
            throw new PropertyException(name, "featureName", "featureName must not be blank");
        }
        // Zero-valued features are dropped by parts of Tribuo, which would leave the example feature-less.
        if (!Double.isFinite(featureValue) || featureValue == 0.0) {
            throw new PropertyException(name, "featureValue", "featureValue must be finite and non-zero, found " + featureValue);
        }
    }

    @Override
    public String getFieldName() {
        return fieldName;
    }

    /**
     * Returns the constant feature, ignoring the value.
     * @param value The field value (ignored).
     * @return A one-element list holding the constant feature.
     */
    @Override
    public List<ColumnarFeature> process(String value) {
        return List.of(new ColumnarFeature(featureName, featureValue));
    }

    @Override
    public GeneratedFeatureType getFeatureType() {
        return GeneratedFeatureType.REAL;
    }

    @Override
    public ConstantFieldProcessor copy(String newFieldName) {
        return new ConstantFieldProcessor(newFieldName, featureName, featureValue);
    }

    @Override
    public ConfiguredObjectProvenance getProvenance() {
        return new ConfiguredObjectProvenanceImpl(this, "FieldProcessor");
    }

    @Override
    public String toString() {
        return "ConstantFieldProcessor(fieldName=" + fieldName + ",featureName=" + featureName + ",featureValue=" + featureValue + ")";
    }
}
