package io.quorum.text;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Word tokens for the word-vector embedders: NFKC-normalised, lower-cased runs of letters and digits, keeping inner
 * apostrophes and hyphens ({@code don't}, {@code e-mail}); everything else separates tokens. Matches how GloVe's
 * vocabulary is written (lower case, no punctuation attached).
 */
public final class WordTokenizer {

    private WordTokenizer() {
    }

    public static List<String> tokens(String text) {
        String s = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        List<String> out = new ArrayList<>();
        int n = s.length();
        int i = 0;
        while (i < n) {
            int cp = s.codePointAt(i);
            if (!Character.isLetterOrDigit(cp)) {
                i += Character.charCount(cp);
                continue;
            }
            int start = i;
            int end = i;
            while (i < n) {
                cp = s.codePointAt(i);
                if (Character.isLetterOrDigit(cp)) {
                    i += Character.charCount(cp);
                    end = i;
                } else if ((cp == '\'' || cp == '-' || cp == '\u2019') && i + 1 < n && Character.isLetterOrDigit(s.codePointAt(i + 1))) {
                    i += 1; // inner apostrophe or hyphen
                } else {
                    break;
                }
            }
            out.add(s.substring(start, end).replace('\u2019', '\''));
        }
        return out;
    }
}
