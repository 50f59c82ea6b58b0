/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.tribuo;

import ai.loradrop.onnx.OnnxModels;
import ai.loradrop.text.Tokenizer;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Makes the small RoBERTa-style and XLM-R-style encoders of the tests from the tiny BERT test encoder
 * ({@code peft/tiny-legacy14-mean-none}, 2 layers, hidden 32, 64 positions): the graph changes the way a Hugging
 * Face RoBERTa export differs from a BERT one —
 * <ul>
 *     <li>position ids computed inside the graph from the input ids and the padding index, as RoBERTa's
 *     {@code create_position_ids_from_input_ids}: {@code cumsum(ids != pad) * (ids != pad) + pad};</li>
 *     <li>no {@code token_type_ids} input (one token type);</li>
 *     <li>a word embedding table with a row for every id of the tokenizer (seeded random rows).</li>
 * </ul>
 * The committed files under {@code src/test/resources/roberta-style/} were written by {@link #main(String[])}:
 * {@code bpe/} with the byte-level BPE tokenizer (RobertaProcessing, &lt;pad&gt; = 1) and {@code unigram/} with the
 * XLM-R-style Unigram tokenizer.
 */
public final class RobertaStyleExports {
    private RobertaStyleExports() {}

    /**
     * Writes {@code OUT/bpe/{model.onnx,tokenizer.json}} and {@code OUT/unigram/...}.
     * @param args the tiny encoder, the tokenizer folder of the test resources, and the output folder.
     * @throws IOException when a file cannot be read or written.
     */
    public static void main(String[] args) throws IOException {
        Path tiny = Path.of(args[0]);
        Path tokenizers = Path.of(args[1]);
        Path out = Path.of(args[2]);
        write(tiny, tokenizers.resolve("roberta-bytelevel-bpe.json"), out.resolve("bpe"), 11);
        write(tiny, tokenizers.resolve("xlmr-unigram.json"), out.resolve("unigram"), 12);
    }

    static void write(Path tiny, Path tokenizerJson, Path dir, long seed) throws IOException {
        Tokenizer tok = Tokenizer.fromFile(tokenizerJson);
        ModelProto m = robertaStyle(OnnxModels.read(tiny), tok.vocabSize(), tok.padId(), seed);
        Files.createDirectories(dir);
        Files.write(dir.resolve("model.onnx"), m.toByteArray());
        Files.copy(tokenizerJson, dir.resolve("tokenizer.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    static ModelProto robertaStyle(ModelProto bert, int vocab, int padId, long seed) {
        GraphProto g = bert.getGraph();
        GraphProto.Builder gb = g.toBuilder();
        // word embeddings: one row per tokenizer id
        for (int i = 0; i < gb.getInitializerCount(); i++) {
            TensorProto t = gb.getInitializer(i);
            if (t.getName().endsWith("word_embeddings.weight")) {
                int hidden = (int) t.getDims(1);
                SplittableRandom rnd = new SplittableRandom(seed);
                ByteBuffer buf = ByteBuffer.allocate(vocab * hidden * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (int k = 0; k < vocab * hidden; k++) {
                    buf.putFloat((float) (rnd.nextGaussian() * 0.5));
                }
                gb.setInitializer(i, TensorProto.newBuilder().setName(t.getName()).setDataType(TensorProto.DataType.FLOAT_VALUE)
                        .addDims(vocab).addDims(hidden).setRawData(ByteString.copyFrom(buf.array())).build());
            }
        }
        List<NodeProto> nodes = new ArrayList<>();
        for (NodeProto n : g.getNodeList()) {
            if (n.getName().endsWith("position_embeddings/Gather")) {
                nodes.add(constant("roberta/pad", padId));
                nodes.add(constant("roberta/axis", 1));
                nodes.add(node("Equal", "roberta/Equal", List.of("input_ids", "roberta/pad"), "roberta/is_pad"));
                nodes.add(node("Not", "roberta/Not", List.of("roberta/is_pad"), "roberta/not_pad"));
                nodes.add(NodeProto.newBuilder().setOpType("Cast").setName("roberta/Cast").addInput("roberta/not_pad")
                        .addOutput("roberta/mask").addAttribute(AttributeProto.newBuilder().setName("to")
                                .setType(AttributeProto.AttributeType.INT).setI(TensorProto.DataType.INT64_VALUE)).build());
                nodes.add(node("CumSum", "roberta/CumSum", List.of("roberta/mask", "roberta/axis"), "roberta/cumsum"));
                nodes.add(node("Mul", "roberta/Mul", List.of("roberta/cumsum", "roberta/mask"), "roberta/masked"));
                nodes.add(node("Add", "roberta/Add", List.of("roberta/masked", "roberta/pad"), "roberta/position_ids"));
                nodes.add(n.toBuilder().setInput(1, "roberta/position_ids").build());
            } else if (n.getName().endsWith("token_type_embeddings/Gather")) {
                nodes.add(constant("roberta/zero", 0));
                nodes.add(node("Mul", "roberta/TypeZeros", List.of("input_ids", "roberta/zero"), "roberta/type_ids"));
                nodes.add(n.toBuilder().setInput(1, "roberta/type_ids").build());
            } else {
                nodes.add(n);
            }
        }
        gb.clearNode().addAllNode(nodes);
        List<ValueInfoProto> inputs = new ArrayList<>(gb.getInputList());
        inputs.removeIf(v -> v.getName().equals("token_type_ids"));
        gb.clearInput().addAllInput(inputs);
        return bert.toBuilder().setGraph(gb).build();
    }

    private static NodeProto node(String op, String name, List<String> in, String out) {
        return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in).addOutput(out).build();
    }

    private static NodeProto constant(String name, long value) {
        TensorProto t = TensorProto.newBuilder().setDataType(TensorProto.DataType.INT64_VALUE).addInt64Data(value).build();
        return NodeProto.newBuilder().setOpType("Constant").setName(name).addOutput(name)
                .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(t))
                .build();
    }
}
