package io.quorum.shared.topics;

import java.util.Map;

/**
 * How topics are replicated when Quorum creates them. Zero means "what the cluster says": the broker's
 * {@code default.replication.factor} and {@code min.insync.replicas} (1 and 1 on the local single broker; a
 * production cluster typically says 3 and 2). Never hard-coded: {@code ./quorum topics ensure
 * --replication-factor 3 --min-insync-replicas 2}, the environment ({@value #FACTOR_ENV}, {@value #MIN_INSYNC_ENV})
 * or the k8s init job set them.
 *
 * @param factor     replicas of every partition; 0 for the cluster default
 * @param minInsync  {@code min.insync.replicas} of every topic: with {@code acks=all} a write needs that many
 *                   replicas in sync; 0 for the cluster default
 */
public record Replication(int factor, int minInsync) {

    /** Environment variable of the replication factor. */
    public static final String FACTOR_ENV = "QUORUM_REPLICATION_FACTOR";
    /** Environment variable of {@code min.insync.replicas}. */
    public static final String MIN_INSYNC_ENV = "QUORUM_MIN_INSYNC_REPLICAS";

    /** The cluster's defaults for both. */
    public static final Replication CLUSTER_DEFAULT = new Replication(0, 0);

    public Replication {
        if (factor < 0 || factor > Short.MAX_VALUE) {
            throw new IllegalArgumentException("replication factor must be 0 (cluster default) or positive, not " + factor);
        }
        if (minInsync < 0) {
            throw new IllegalArgumentException("min.insync.replicas must be 0 (cluster default) or positive, not " + minInsync);
        }
        if (factor > 0 && minInsync > factor) {
            throw new IllegalArgumentException("min.insync.replicas " + minInsync + " exceeds the replication factor "
                    + factor + ": no acks=all write could ever succeed");
        }
    }

    /** From {@value #FACTOR_ENV} and {@value #MIN_INSYNC_ENV} (unset or empty: the cluster default). */
    public static Replication fromEnvironment(Map<String, String> env) {
        return new Replication(intOf(env, FACTOR_ENV), intOf(env, MIN_INSYNC_ENV));
    }

    private static int intOf(Map<String, String> env, String key) {
        String v = env.get(key);
        if (v == null || v.isBlank()) {
            return 0;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, not '" + v + "'");
        }
    }

    /** "RF 3, min.insync.replicas 2", or "cluster default" parts. */
    public String describe() {
        return "replication factor " + (factor == 0 ? "cluster default" : factor) + ", min.insync.replicas "
                + (minInsync == 0 ? "cluster default" : minInsync);
    }
}
