/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import com.google.protobuf.ByteString;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Factory and reader for ONNX node attributes.
 */
public final class Attr {
    private Attr() {}

    /**
     * An integer attribute.
     * @param name the attribute name.
     * @param value the value.
     * @return the attribute.
     */
    public static AttributeProto i(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    /**
     * A float attribute.
     * @param name the attribute name.
     * @param value the value.
     * @return the attribute.
     */
    public static AttributeProto f(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    /**
     * An integer list attribute.
     * @param name the attribute name.
     * @param values the values.
     * @return the attribute.
     */
    public static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            b.addInts(v);
        }
        return b.build();
    }

    /**
     * A string attribute.
     * @param name the attribute name.
     * @param value the value.
     * @return the attribute.
     */
    public static AttributeProto s(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build();
    }

    /**
     * Finds an attribute of a node.
     * @param node the node.
     * @param name the attribute name.
     * @return the attribute if present.
     */
    public static Optional<AttributeProto> find(NodeProto node, String name) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /**
     * Reads an integer attribute.
     * @param node the node.
     * @param name the attribute name.
     * @param dflt the default when absent.
     * @return the value.
     */
    public static long getInt(NodeProto node, String name, long dflt) {
        return find(node, name).map(AttributeProto::getI).orElse(dflt);
    }

    /**
     * Reads a float attribute.
     * @param node the node.
     * @param name the attribute name.
     * @param dflt the default when absent.
     * @return the value.
     */
    public static float getFloat(NodeProto node, String name, float dflt) {
        return find(node, name).map(AttributeProto::getF).orElse(dflt);
    }

    /**
     * Reads an integer list attribute.
     * @param node the node.
     * @param name the attribute name.
     * @return the values, or null when absent.
     */
    public static long[] getInts(NodeProto node, String name) {
        Optional<AttributeProto> a = find(node, name);
        if (a.isEmpty()) {
            return null;
        }
        List<Long> l = a.get().getIntsList();
        return l.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * Formats longs for messages.
     * @param v the values.
     * @return the text.
     */
    public static String str(long[] v) {
        return Arrays.toString(v);
    }
}
