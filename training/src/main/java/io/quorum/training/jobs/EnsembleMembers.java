package io.quorum.training.jobs;

import io.quorum.shared.files.TempDir;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.Hashing;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * What defines the members of a {@code digit-ensemble} and where trained ones are kept. A member is a deterministic
 * function of the job's seed, its index and the mode: its seed ({@link #seed}) and, for bootstrap members, its training
 * sample ({@link #sample}); so the first 5 members of an ensemble of 50 are exactly an ensemble of 5, and a member
 * trained once (same data, split, network and schedule) is found again in the cache ({@link #key}) instead of being
 * retrained: the seed's table (N = 5, 25, 50; uniform and bootstrap; with and without the baseline) costs one
 * training per distinct member.
 */
final class EnsembleMembers {

    /** Bump when the training code changes what a member is (invalidates the cache). */
    static final String FORMAT = "digit-ensemble-member/1";
    static final String MODEL = "model.onnx";
    static final String GRADIENT = "gradient.onnx";
    static final String NETWORK = "model-dl4j.zip";
    static final String CARD = "member.json";

    private EnsembleMembers() {
    }

    /** The seed of member {@code k} (initialisation, minibatch order, augmentation): the same in both modes. */
    static long seed(long jobSeed, int k) {
        Random r = new Random(jobSeed ^ 0xe45e3b1eL);
        long s = 0;
        for (int i = 0; i <= k; i++) {
            s = r.nextLong();
        }
        return s;
    }

    /**
     * The training rows of a bootstrap member: {@code round(fraction * n)} rows of {@code 0..n-1} drawn with
     * {@code Random(memberSeed ^ 0xb007)}, with replacement (a row may repeat) or without (a random subset), sorted.
     */
    static int[] sample(int n, double fraction, boolean replacement, long memberSeed) {
        int size = Math.max(2, (int) Math.round(fraction * n));
        Random r = new Random(memberSeed ^ 0xb007L);
        int[] rows;
        if (replacement) {
            rows = new int[size];
            for (int i = 0; i < size; i++) {
                rows[i] = r.nextInt(n);
            }
        } else {
            if (size > n) {
                throw new IllegalArgumentException("a sample without replacement cannot hold more than the " + n + " rows");
            }
            rows = Arrays.copyOf(DigitTraining.permutation(n, r), size);
        }
        Arrays.sort(rows);
        return rows;
    }

    /** Distinct rows in a sample. */
    static int distinct(int[] sortedRows) {
        int d = 0;
        for (int i = 0; i < sortedRows.length; i++) {
            d += i == 0 || sortedRows[i] != sortedRows[i - 1] ? 1 : 0;
        }
        return d;
    }

    /** SHA-256 of a sample's rows (lineage: which images a member saw, how often). */
    static String sampleHash(int[] rows) {
        ByteBuffer b = ByteBuffer.allocate(rows.length * 4);
        for (int r : rows) {
            b.putInt(r);
        }
        return Hashing.sha256(b.array());
    }

    /** The cache key of a member: every setting that changes it, hashed. */
    static String key(Map<String, String> definition) {
        return Hashing.sha256(Json.toBytes(new TreeMap<>(definition))).substring(0, 32);
    }

    /** A cached member's directory, or null when it is not (completely) cached. */
    static Path cached(Path cacheDir, String key) {
        if (cacheDir == null) {
            return null;
        }
        Path dir = cacheDir.resolve(key);
        for (String f : new String[] {MODEL, GRADIENT, NETWORK, CARD}) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                return null;
            }
        }
        return dir;
    }

    /** Moves a member written in {@code staging} into the cache as {@code key} (atomically where the file system can). */
    static Path store(Path cacheDir, String key, Path staging) throws IOException {
        Files.createDirectories(cacheDir);
        Path target = cacheDir.resolve(key);
        if (cached(cacheDir, key) != null) {
            return target; // another job stored the same member meanwhile
        }
        if (Files.exists(target)) {
            TempDir.deleteRecursively(target); // an incomplete member (a crash while storing): replaced
        }
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(staging, target);
        } catch (IOException e) {
            if (cached(cacheDir, key) != null) {
                return target;
            }
            throw e;
        }
        return target;
    }

    /** The card of a member: its lineage and figures. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> card(Path dir) throws IOException {
        return Json.mapper().readValue(dir.resolve(CARD).toFile(), LinkedHashMap.class);
    }
}
