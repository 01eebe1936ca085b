package io.quorum.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WordTokenizerTest {

    @Test
    void splitsOnEverythingButInnerApostrophesAndHyphens() {
        assertThat(WordTokenizer.tokens("Don't stop—it's e-mail's 2nd-best! (really?)"))
                .containsExactly("don't", "stop", "it's", "e-mail's", "2nd-best", "really");
        assertThat(WordTokenizer.tokens("  What is AI?  ")).containsExactly("what", "is", "ai");
        assertThat(WordTokenizer.tokens("Ｆｕｌｌｗｉｄｔｈ Café’s")).containsExactly("fullwidth", "café's");
        assertThat(WordTokenizer.tokens("-- '' !!")).isEmpty();
        assertThat(WordTokenizer.tokens("trailing- 'quoted'")).containsExactly("trailing", "quoted");
    }
}
