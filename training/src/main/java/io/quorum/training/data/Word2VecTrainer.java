package io.quorum.training.data;

import io.quorum.text.WordTokenizer;
import io.quorum.text.WordVectors;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.models.word2vec.Word2Vec;
import org.deeplearning4j.text.sentenceiterator.CollectionSentenceIterator;
import org.deeplearning4j.text.tokenization.tokenizerfactory.DefaultTokenizerFactory;

/** Trains word vectors on a corpus with DL4J's Word2Vec (skip-gram), tokenized like the embedders tokenize. */
public final class Word2VecTrainer {

    private Word2VecTrainer() {
    }

    public static WordVectors train(Collection<String> corpus, int dim, int window, int minCount, int epochs, long seed) {
        List<String> sentences = new ArrayList<>(corpus.size());
        for (String s : corpus) {
            List<String> tokens = WordTokenizer.tokens(s);
            if (!tokens.isEmpty()) {
                sentences.add(String.join(" ", tokens));
            }
        }
        Word2Vec w2v = new Word2Vec.Builder()
                .minWordFrequency(minCount)
                .layerSize(dim)
                .windowSize(window)
                .epochs(epochs)
                .iterations(1)
                .seed(seed)
                .workers(1)
                .iterate(new CollectionSentenceIterator(sentences))
                .tokenizerFactory(new DefaultTokenizerFactory())
                .build();
        w2v.fit();
        Map<String, float[]> map = new HashMap<>();
        for (String word : w2v.vocab().words()) {
            double[] v = w2v.getWordVector(word);
            if (v == null) {
                continue;
            }
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = (float) v[i];
            }
            map.put(word, f);
        }
        return new WordVectors(map, dim);
    }
}
