package dev.digitserve.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.MemoryUseMode;
import org.nd4j.linalg.api.buffer.DataType;

import dev.digitserve.inference.Images;

/**
 * Estimates the memory a version takes once loaded, before loading it: parameters plus the working memory of one
 * full batch, which is what the memory budget counts.
 *
 * <ul>
 *   <li>Lasso kind: the folded 784 x classes weights and the biases, as floats.
 *   <li>CNN kind: DL4J's own memory report of the network configuration stored in {@code model.zip} (parameters,
 *       activations and working memory for inference at {@code maxBatchSize}, float), without reading the
 *       parameters, once per serving copy ({@code replicas}, one per batcher worker), plus the parameters once
 *       more for the original network the engine keeps; reports of identical configurations are computed once.
 * </ul>
 * Both add the batcher's buffers for a full batch (input copy and outputs). The figure is an estimate for the
 * budget, not a measurement: JVM object headers and native allocator slack are not in it.
 */
final class MemoryEstimator {
    private static final int FLOAT = Float.BYTES;

    private final Map<String, Long> cnnReports = new ConcurrentHashMap<>();

    /** @throws IOException when the weights cannot be read well enough to estimate (the load would fail too) */
    long estimate(ModelKind kind, Path weights, int classes, int maxBatchSize, int replicas) throws IOException {
        long buffers = 2L * maxBatchSize * (Images.PIXELS + classes) * FLOAT;
        return switch (kind) {
            case LASSO -> (long) (Images.PIXELS + 1) * classes * FLOAT + buffers;
            case CNN -> cnn(weights, maxBatchSize, replicas) + buffers;
        };
    }

    /** {@code replicas} serving copies by DL4J's report, plus the original network's parameters. */
    private long cnn(Path modelZip, int maxBatchSize, int replicas) throws IOException {
        String configuration;
        long coefficients;
        try (ZipFile zip = new ZipFile(modelZip.toFile())) {
            ZipEntry config = zip.getEntry("configuration.json");
            ZipEntry params = zip.getEntry("coefficients.bin");
            if (config == null || params == null) {
                throw new IOException("not a DL4J model file");
            }
            coefficients = params.getSize();
            try (InputStream in = zip.getInputStream(config)) {
                configuration = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        return replicas * reportBytes(configuration, coefficients, maxBatchSize) + coefficients;
    }

    /** One serving copy: DL4J's memory report for inference at {@code maxBatchSize}, computed once per configuration. */
    private long reportBytes(String configuration, long coefficients, int maxBatchSize) {
        String key = maxBatchSize + "\n" + configuration;
        Long cached = cnnReports.get(key);
        if (cached != null) {
            return cached;
        }
        long bytes;
        try {
            MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(configuration);
            bytes = conf.getMemoryReport(InputType.convolutionalFlat(Images.SIDE, Images.SIDE, 1))
                    .getTotalMemoryBytes(maxBatchSize, MemoryUseMode.INFERENCE, CacheMode.NONE, DataType.FLOAT);
        } catch (RuntimeException e) {
            // A configuration DL4J cannot report on: the parameters twice over (weights plus the activations of a
            // small network) is the rough figure; the load itself will say whether the file is usable.
            bytes = 2 * coefficients;
        }
        bytes = Math.max(bytes, coefficients);
        cnnReports.put(key, bytes);
        return bytes;
    }
}
