/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.tribuo.DamagedModelException.Part;
import com.google.protobuf.Any;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import org.junit.jupiter.api.Test;
import org.tribuo.protos.core.ModelProto;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hand-written {@link ModelCodec} agrees with the schema it documents, {@code loradrop-model.proto}: the same
 * fields (number, name, type, part), the wire type of every field it writes, and the hashed parts of the
 * {@code Integrity} message; and it round-trips a saved model's payload.
 */
class ModelCodecSchemaTest {
    private static final Pattern MESSAGE = Pattern.compile("(?s)message (\\w+) \\{(.*?)\\n}");
    private static final Pattern FIELD = Pattern.compile("^\\s*((?:repeated )?[\\w.]+) (\\w+) = (\\d+);");
    private static final Pattern PART = Pattern.compile("^\\s*// --- (?:part \"([a-z ]+)\"|no part)");

    record ProtoField(String type, String name, int number, Part part) {}

    static Map<String, List<ProtoField>> schema() throws Exception {
        String text;
        try (InputStream in = ModelCodec.class.getResourceAsStream(ModelCodec.SCHEMA_RESOURCE)) {
            assertNotNull(in, ModelCodec.SCHEMA_RESOURCE);
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, List<ProtoField>> messages = new LinkedHashMap<>();
        Matcher m = MESSAGE.matcher(text);
        while (m.find()) {
            List<ProtoField> fields = new ArrayList<>();
            Part part = null;
            for (String line : m.group(2).split("\n")) {
                Matcher p = PART.matcher(line);
                if (p.find()) {
                    part = p.group(1) == null ? null : Part.valueOf(p.group(1).toUpperCase(Locale.ROOT).replace(' ', '_'));
                }
                Matcher f = FIELD.matcher(line);
                if (f.find()) {
                    fields.add(new ProtoField(f.group(1), f.group(2), Integer.parseInt(f.group(3)), part));
                }
            }
            messages.put(m.group(1), fields);
        }
        return messages;
    }

    @Test
    void codecFieldsAreTheSchemasFields() throws Exception {
        List<ProtoField> proto = schema().get("LoraDropModelProto");
        assertNotNull(proto);
        List<ProtoField> codec = Arrays.stream(ModelCodec.Field.values())
                .map(f -> new ProtoField(f.protoType, f.protoName, f.number, f.part)).toList();
        assertEquals(new HashSet<>(proto), new HashSet<>(codec));
        assertEquals(proto.size(), codec.size());
        assertTrue(ModelCodec.TYPE_URL.endsWith("/ai.loradrop.tribuo.LoraDropModelProto"));
    }

    @Test
    void integrityMessageHashesThePartsInTheCodecsOrder() throws Exception {
        List<ProtoField> proto = schema().get("Integrity");
        assertEquals(ModelCodec.HASHED_PARTS.size(), proto.size());
        for (int i = 0; i < proto.size(); i++) {
            Part part = ModelCodec.HASHED_PARTS.get(i);
            String stem = part == Part.PARAMETERS ? "params" : part.name().toLowerCase(Locale.ROOT);
            assertEquals(new ProtoField("string", stem + "_sha256", i + 1, null), proto.get(i));
        }
    }

    static ModelCodec.Payload savedPayload() throws Exception {
        try (InputStream in = ModelCodecSchemaTest.class.getResourceAsStream("/formats/model-v0.tribuo")) {
            ModelProto proto = ModelProto.parseFrom(in);
            return ModelCodec.decode(proto.getSerializedData(), proto.getVersion());
        }
    }

    @Test
    void everyWrittenFieldHasTheWireTypeOfItsSchemaType() throws Exception {
        Any any = ModelCodec.encode(savedPayload());
        CodedInputStream in = any.getValue().newCodedInput();
        in.setSizeLimit(Integer.MAX_VALUE);
        Set<Integer> seen = new HashSet<>();
        int tag;
        while ((tag = in.readTag()) != 0) {
            ModelCodec.Field f = ModelCodec.Field.of(WireFormat.getTagFieldNumber(tag));
            assertNotNull(f, "field number " + WireFormat.getTagFieldNumber(tag) + " is not in the schema");
            String scalar = f.protoType.replace("repeated ", "");
            int expected = switch (scalar) {
                case "int32", "int64", "bool" -> WireFormat.WIRETYPE_VARINT;
                case "double" -> WireFormat.WIRETYPE_FIXED64;
                default -> WireFormat.WIRETYPE_LENGTH_DELIMITED; // string, bytes, messages
            };
            assertEquals(expected, WireFormat.getTagWireType(tag), f.protoName);
            assertTrue(seen.add(f.number) || f.protoType.startsWith("repeated"), f.protoName + " written twice");
            in.skipField(tag);
        }
        assertTrue(seen.contains(ModelCodec.Field.INTEGRITY.number));
    }

    @Test
    void payloadRoundTrips() throws Exception {
        ModelCodec.Payload p = savedPayload();
        ModelCodec.Payload q = ModelCodec.decode(ModelCodec.encode(p), LoraDropModel.CURRENT_VERSION);
        assertEquals(p.metadata(), q.metadata());
        assertArrayEquals(p.tokenizerJson(), q.tokenizerJson());
        assertEquals(p.tokenizerSha256(), q.tokenizerSha256());
        assertEquals(p.baseModel(), q.baseModel());
        assertEquals(p.baseFile(), q.baseFile());
        assertEquals(p.spec(), q.spec());
        assertArrayEquals(p.params(), q.params());
        assertEquals(p.settings(), q.settings());
    }
}
