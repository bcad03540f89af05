package dev.digitserve.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import dev.digitserve.inference.NativeBackend;
import dev.digitserve.support.HttpTestClient;
import dev.digitserve.support.TestModels;
import tools.jackson.databind.JsonNode;

/** Request builders and response checks shared by the protocol tests. */
public final class V2 {
    private V2() {
    }

    /** {@code {"name": "input", "shape": [...], "datatype": ..., "data": ...}}. */
    public static String tensor(String datatype, long[] shape, String data) {
        return "{\"name\": \"input\", \"shape\": " + Arrays.toString(shape) + ", \"datatype\": \"" + datatype
                + "\", \"data\": " + data + "}";
    }

    /** An inference request with one tensor; {@code id} and {@code outputs} (names) are left out when null. */
    public static String request(String id, String tensor, List<String> outputs) {
        StringBuilder body = new StringBuilder("{");
        if (id != null) {
            body.append("\"id\": \"").append(id).append("\", ");
        }
        body.append("\"inputs\": [").append(tensor).append("]");
        if (outputs != null) {
            body.append(", \"outputs\": ").append(outputs.stream().map(name -> "{\"name\": \"" + name + "\"}")
                    .collect(Collectors.joining(", ", "[", "]")));
        }
        return body.append("}").toString();
    }

    /** FP32 request of the given images, flat, shape [N, 784]. */
    public static String fp32(float[]... images) {
        return request(null, tensor("FP32", new long[] {images.length, 784}, flat(images)), null);
    }

    /** All pixels of all images in one flat array. */
    public static String flat(float[]... images) {
        return Arrays.stream(images).map(V2::values).collect(Collectors.joining(",", "[", "]"));
    }

    /** Pixels scaled to 0..255 integers, flat. */
    public static String flatBytes(float[]... images) {
        return Arrays.stream(images).map(image -> IntStream.range(0, image.length)
                        .mapToObj(i -> Integer.toString(Math.round(image[i] * 255)))
                        .collect(Collectors.joining(",")))
                .collect(Collectors.joining(",", "[", "]"));
    }

    /** One image as 28 rows of 28 values. */
    public static String rows(float[] image) {
        return IntStream.range(0, 28).mapToObj(r -> "[" + values(Arrays.copyOfRange(image, r * 28, r * 28 + 28)) + "]")
                .collect(Collectors.joining(",", "[", "]"));
    }

    private static String values(float[] pixels) {
        return IntStream.range(0, pixels.length).mapToObj(i -> Float.toString(pixels[i])).collect(Collectors.joining(","));
    }

    /** The body is exactly {@code {"error": "<non-empty message>"}}, as JSON; returns the message. */
    public static String assertError(HttpTestClient.Response response, int status) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.contentType()).as(response.body()).startsWith("application/json");
        JsonNode body = response.json();
        assertThat(body.isObject()).as(response.body()).isTrue();
        assertThat(body.propertyNames()).as(response.body()).containsExactly("error");
        assertThat(body.get("error").isString()).as(response.body()).isTrue();
        String message = body.get("error").asString();
        assertThat(message).as(response.body()).isNotBlank();
        // nothing internal: no Java or Jackson type names, no stack frames
        assertThat(message).doesNotContain("java.", "tools.jackson", "Exception", "\tat ", "Source:", "`");
        return message;
    }

    /** Sum of {@code digitserve_inference_images_total} for one model version, from /actuator/prometheus. */
    public static double imagesCounted(HttpTestClient http, String model, int version) {
        String scrape = http.get("/actuator/prometheus").body();
        Matcher matcher = Pattern.compile("^digitserve_inference_images_total\\{([^}]*)} (\\S+)$", Pattern.MULTILINE)
                .matcher(scrape);
        double total = 0;
        boolean found = false;
        while (matcher.find()) {
            String labels = matcher.group(1);
            if (labels.contains("model=\"" + model + "\"") && labels.contains("version=\"" + version + "\"")) {
                total += Double.parseDouble(matcher.group(2));
                found = true;
            }
        }
        assertThat(found).as("digitserve_inference_images_total for %s v%d in the scrape", model, version).isTrue();
        return total;
    }

    /**
     * A small, untrained but real DL4J CNN (conv 5x5 stride 3 -> softmax 10) with a model card: it loads
     * through the same path as the shipped CNN and answers probabilities.
     */
    public static void writeTinyCnn(Path root, String name, int version) throws IOException {
        NativeBackend.configure();
        MultiLayerConfiguration configuration = new NeuralNetConfiguration.Builder()
                .seed(7)
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new ConvolutionLayer.Builder(5, 5).stride(3, 3).nOut(2).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build();
        MultiLayerNetwork network = new MultiLayerNetwork(configuration);
        network.init();
        Path dir = Files.createDirectories(root.resolve(name).resolve(Integer.toString(version)));
        ModelSerializer.writeModel(network, dir.resolve("model.zip").toFile(), false);
        TestModels.writeCard(dir, name, version, "cnn");
    }

    public static String format(String pattern, Object... arguments) {
        return String.format(Locale.ROOT, pattern, arguments);
    }
}
