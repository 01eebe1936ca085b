package io.quorum.pairscoring.search;

import java.util.Locale;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;

/**
 * How the HNSW graph stores the vectors it searches: full float32, or Lucene's scalar quantisation. The float32
 * vectors are always kept beside the quantised ones (Lucene's flat vector file): candidates are re-ranked and re-scored
 * on them, so quantisation changes which candidates the graph search finds, never their similarity or probability.
 */
public enum Quantization {
    /** float32 vectors in the graph search (4 bytes per dimension). */
    NONE(0),
    /** Lucene's 7-bit scalar quantisation, one byte per dimension (what Lucene and Elasticsearch call int8). */
    INT8(7),
    /** 4-bit scalar quantisation, two dimensions per byte. */
    INT4(4);

    private final int bits;

    Quantization(int bits) {
        this.bits = bits;
    }

    /** Bits per dimension in the graph search, 0 for float32. */
    public int bits() {
        return bits;
    }

    /** The configuration name: {@code none}, {@code int8}, {@code int4}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The HNSW vector format of this quantisation with the given graph parameters. */
    public KnnVectorsFormat format(int maxConn, int beamWidth) {
        return switch (this) {
            case NONE -> new Lucene99HnswVectorsFormat(maxConn, beamWidth);
            case INT8, INT4 -> new Lucene99HnswScalarQuantizedVectorsFormat(maxConn, beamWidth, 1, bits, bits == 4, null, null);
        };
    }

    /** Parses a configuration value ({@code none}, {@code int8}, {@code int4}; case-insensitive). */
    public static Quantization parse(String value) {
        for (Quantization q : values()) {
            if (q.configName().equalsIgnoreCase(value.trim())) {
                return q;
            }
        }
        throw new IllegalArgumentException("unknown quantization '" + value + "': use none, int8 or int4");
    }
}
