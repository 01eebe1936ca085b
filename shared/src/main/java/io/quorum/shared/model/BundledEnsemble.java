package io.quorum.shared.model;

import io.quorum.shared.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ensemble version directory kept as its parts: {@code members/<name>/model.onnx} and {@code gradient.onnx} for every
 * member, and a {@code model-card.json} whose {@code properties} hold the fused graph's {@code quorum.*} metadata (member
 * names, detector threshold, ...) and whose {@code fusedSha256} records the sha256 of the fused {@code model.onnx} and
 * {@code gradient.onnx} that were evaluated. The bundled default ensemble is committed this way (five 2.8 MB members
 * instead of two 14 MB fused graphs); {@link #materialise} fuses it with {@link EnsembleFusion} where it is used
 * ({@code models bootstrap}, {@code eval ensemble --model-dir}) and refuses a result whose bytes differ from the
 * recorded ones, so what is served is exactly what was measured.
 */
public final class BundledEnsemble {

    /** The folder of the members' own graphs. */
    public static final String MEMBERS_DIR = "members";
    /** The model card field with the fused graphs' sha256 ({@code {"model.onnx": ..., "gradient.onnx": ...}}). */
    public static final String CARD_FUSED_SHA256 = "fusedSha256";

    private BundledEnsemble() {
    }

    /** Whether {@code dir} holds an ensemble as its parts. */
    public static boolean isParts(Path dir) {
        return Files.isDirectory(dir.resolve(MEMBERS_DIR)) && Files.isRegularFile(dir.resolve("model-card.json"));
    }

    /**
     * Writes {@code model.onnx} and {@code gradient.onnx} into {@code dir} from its members when either is missing or
     * does not match the card's {@code fusedSha256}; a no-op for a directory that is not {@link #isParts parts}.
     *
     * @return whether the graphs were (re)built
     * @throws IOException when a member is missing, or the fused bytes differ from the recorded sha256 (nothing written)
     */
    public static boolean materialise(Path dir) throws IOException {
        if (!isParts(dir)) {
            return false;
        }
        Card card = card(dir);
        Path model = dir.resolve(ModelPublisher.PRIMARY);
        Path gradient = dir.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT);
        if (matches(model, card.modelSha256()) && matches(gradient, card.gradientSha256())) {
            return false;
        }
        List<String> names = List.of(card.metadata().getOrDefault(DigitEnsembleSpec.META_MEMBER_NAMES, "").split(","));
        List<EnsembleFusion.Member> members = new ArrayList<>();
        for (String name : names) {
            members.add(new EnsembleFusion.Member(name, read(dir, name, ModelPublisher.PRIMARY), null));
        }
        byte[] fusedModel = EnsembleFusion.model(members, card.metadata());
        members.clear();
        for (String name : names) {
            members.add(new EnsembleFusion.Member(name, null, read(dir, name, DigitClassifierSpec.GRADIENT_ARTIFACT)));
        }
        byte[] fusedGradient = EnsembleFusion.gradient(members, card.metadata());
        check(dir, ModelPublisher.PRIMARY, fusedModel, card.modelSha256());
        check(dir, DigitClassifierSpec.GRADIENT_ARTIFACT, fusedGradient, card.gradientSha256());
        Files.write(model, fusedModel);
        Files.write(gradient, fusedGradient);
        return true;
    }

    /**
     * Splits a fused ensemble directory into parts: each member's {@code model.onnx} and {@code gradient.onnx} from
     * {@code memberDirs} (name to the member's own version directory, in member order) are copied under
     * {@code members/}, and the fused graphs' sha256 are recorded in the card. The fused graphs stay where they are.
     */
    @SuppressWarnings("unchecked")
    public static void split(Path dir, Map<String, Path> memberDirs) throws IOException {
        for (Map.Entry<String, Path> e : memberDirs.entrySet()) {
            Path to = dir.resolve(MEMBERS_DIR).resolve(e.getKey());
            Files.createDirectories(to);
            for (String f : List.of(ModelPublisher.PRIMARY, DigitClassifierSpec.GRADIENT_ARTIFACT)) {
                Files.copy(e.getValue().resolve(f), to.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path cardFile = dir.resolve("model-card.json");
        Map<String, Object> card = Json.mapper().readValue(cardFile.toFile(), LinkedHashMap.class);
        Map<String, String> sha = new LinkedHashMap<>();
        sha.put(ModelPublisher.PRIMARY, Hashing.sha256(dir.resolve(ModelPublisher.PRIMARY)));
        sha.put(DigitClassifierSpec.GRADIENT_ARTIFACT, Hashing.sha256(dir.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT)));
        card.put(CARD_FUSED_SHA256, sha);
        Json.mapper().writerWithDefaultPrettyPrinter().writeValue(cardFile.toFile(), card);
    }

    /** What the card says about the fused graphs: their metadata (in card order) and their sha256. */
    record Card(Map<String, String> metadata, String modelSha256, String gradientSha256) {
    }

    @SuppressWarnings("unchecked")
    static Card card(Path dir) throws IOException {
        Map<String, Object> card = Json.mapper().readValue(dir.resolve("model-card.json").toFile(), LinkedHashMap.class);
        Map<String, String> meta = new LinkedHashMap<>();
        ((Map<String, Object>) card.getOrDefault("properties", Map.of())).forEach((k, v) -> {
            if (k.startsWith("quorum.")) {
                meta.put(k, String.valueOf(v));
            }
        });
        if (!meta.containsKey(DigitEnsembleSpec.META_MEMBER_NAMES)) {
            throw new IOException(dir + "/model-card.json: no " + DigitEnsembleSpec.META_MEMBER_NAMES + " property");
        }
        Map<String, Object> sha = (Map<String, Object>) card.get(CARD_FUSED_SHA256);
        if (sha == null || sha.get(ModelPublisher.PRIMARY) == null || sha.get(DigitClassifierSpec.GRADIENT_ARTIFACT) == null) {
            throw new IOException(dir + "/model-card.json: no " + CARD_FUSED_SHA256 + " of " + ModelPublisher.PRIMARY
                    + " and " + DigitClassifierSpec.GRADIENT_ARTIFACT);
        }
        return new Card(meta, String.valueOf(sha.get(ModelPublisher.PRIMARY)),
                String.valueOf(sha.get(DigitClassifierSpec.GRADIENT_ARTIFACT)));
    }

    private static boolean matches(Path file, String sha256) throws IOException {
        return Files.isRegularFile(file) && Hashing.sha256(file).equals(sha256);
    }

    private static byte[] read(Path dir, String member, String file) throws IOException {
        Path p = dir.resolve(MEMBERS_DIR).resolve(member).resolve(file);
        if (!Files.isRegularFile(p)) {
            throw new IOException("ensemble member " + member + " has no " + file + " (" + p + ")");
        }
        return Files.readAllBytes(p);
    }

    private static void check(Path dir, String file, byte[] fused, String expected) throws IOException {
        String actual = Hashing.sha256(fused);
        if (!actual.equals(expected)) {
            throw new IOException("the " + file + " fused from " + dir.resolve(MEMBERS_DIR) + " has sha256 " + actual
                    + ", the model card records " + expected + " (the graph that was evaluated): refusing to use it");
        }
    }
}
