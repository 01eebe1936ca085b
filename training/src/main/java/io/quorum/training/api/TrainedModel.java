package io.quorum.training.api;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;

/**
 * What a job hands to the runner for publication.
 *
 * @param modelName       registry name to publish under
 * @param network         the trained DL4J network (saved as {@code model-dl4j.zip})
 * @param onnx            the exported model
 * @param gradientOnnx    for classifiers: the input-gradient graph, else null
 * @param parity          max |DL4J - ORT| measured on a held batch
 * @param metrics         validation metrics (what the gate reads)
 * @param properties      properties services rely on (threshold, dimension, embedder, ...)
 * @param hyperParameters the hyper-parameters actually used
 * @param dataRef         what it was trained on
 * @param dataHash        SHA-256 of the training data as read
 * @param extraArtifacts  other files to store with the version (name to bytes)
 * @param notes           remarks for the model card
 * @param companions      models this one depends on (a fine-tuned encoder for its pair head): published before it,
 *                        under the same gate verdict, after the same parity and metric checks
 */
public record TrainedModel(String modelName, Model network, byte[] onnx, byte[] gradientOnnx, double parity,
                           Map<String, Double> metrics, Map<String, String> properties,
                           Map<String, String> hyperParameters, String dataRef, String dataHash,
                           Map<String, byte[]> extraArtifacts, List<String> notes, List<TrainedModel> companions) {

    public TrainedModel(String modelName, Model network, byte[] onnx, byte[] gradientOnnx, double parity,
                        Map<String, Double> metrics, Map<String, String> properties, Map<String, String> hyperParameters,
                        String dataRef, String dataHash, Map<String, byte[]> extraArtifacts, List<String> notes) {
        this(modelName, network, onnx, gradientOnnx, parity, metrics, properties, hyperParameters, dataRef, dataHash,
                extraArtifacts, notes, List.of());
    }
}
