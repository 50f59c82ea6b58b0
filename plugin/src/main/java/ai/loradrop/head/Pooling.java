package ai.loradrop.head;

/**
 * How per-token encoder outputs become one vector per example.
 */
public enum Pooling {
    /** Mean over the positions whose attention mask is 1 (sentence-transformers style, [CLS]/[SEP] included). */
    MEAN,
    /** The first token ([CLS]). */
    FIRST_TOKEN
}
