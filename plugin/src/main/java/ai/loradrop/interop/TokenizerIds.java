package ai.loradrop.interop;

import ai.loradrop.text.WordPieceTokenizer;

/**
 * The ids that tie a tokenizer to an encoder, recorded in an adapter's sidecar: an import with a tokenizer whose ids
 * differ (another model's vocabulary) gives the encoder ids it was not trained on, and is warned about.
 *
 * @param vocabSize the size of the id space.
 * @param clsId the id of the first special token ([CLS]).
 * @param sepId the id of the separator ([SEP]).
 * @param padId the padding id.
 * @param unkId the unknown-token id.
 */
public record TokenizerIds(int vocabSize, int clsId, int sepId, int padId, int unkId) {
    /**
     * The ids of a tokenizer.
     * @param t the tokenizer.
     * @return its ids.
     */
    public static TokenizerIds of(WordPieceTokenizer t) {
        return new TokenizerIds(t.vocabSize(), t.clsId(), t.sepId(), t.padId(), t.unkId());
    }
}
