package dev.digitserve.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

import javax.imageio.ImageIO;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import dev.digitserve.data.Mnist;
import dev.digitserve.data.MnistDataset;
import dev.digitserve.inference.CnnEngine;
import dev.digitserve.inference.Images;
import dev.digitserve.inference.InferenceEngine;
import dev.digitserve.model.ModelKind;
import tools.jackson.databind.json.JsonMapper;

/**
 * A picture of what the CNN sees (issue 14): the shipped CNN's embeddings of the first {@code n} MNIST test digits
 * (the 128 activations of its dense layer, through {@link CnnEngine#predictWithEmbeddings}, the serving code path),
 * reduced to 2-D with PCA (the covariance, by ND4J, and its two leading eigenvectors by power iteration), drawn
 * as a scatter plot coloured by digit, next to the same reduction of the raw 784 pixels; and the 5 nearest test
 * digits by cosine similarity to a few query digits, in embedding space and in pixel space, as an image strip.
 *
 * <p>Separation figures, each for embeddings and for pixels over the same {@code n} digits: leave-one-out 5-NN
 * accuracy by cosine similarity in the full space and by Euclidean distance in the 2-D projection; the mean
 * silhouette (Euclidean) of the digit classes in the 2-D projection; the variance the two components explain.
 * Nearest neighbours are searched among all 10,000 test digits (the query excluded).
 *
 * <p>Args: {@code <mnist dir> <cnn version dir> <docs dir> [n=2000]}. Writes {@code embeddings-pca.png},
 * {@code pixels-pca.png} and {@code embeddings-neighbours.png} into the docs dir, prints a Markdown table and writes
 * {@code bench/results/embeddings-<time>.json}. Deterministic: no randomness anywhere.
 */
public final class EmbeddingMap {
    /** Ten distinguishable colours, one per digit (Tableau's categorical palette). */
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)};
    private static final int K = 5;
    /** Query digits of the neighbour strip: test-set indices, one each of 7, 2, 4, 9 and a 5 (indices 0, 1, 4, 7, 8). */
    private static final int[] QUERIES = {0, 1, 4, 7, 8};

    private EmbeddingMap() {
    }

    public static void main(String[] args) throws IOException {
        Path dataDir = Path.of(args.length > 0 ? args[0] : "data/mnist");
        Path versionDir = Path.of(args.length > 1 ? args[1] : "models/cnn/1");
        Path docs = Path.of(args.length > 2 ? args[2] : "docs");
        int n = args.length > 3 ? Integer.parseInt(args[3]) : 2000;
        MnistDataset test = Mnist.test(dataDir);
        int[] labels = IntStream.range(0, test.count()).map(test::label).toArray();

        float[] pixels = test.floats(0, test.count());
        float[] embeddings;
        int width;
        long started = System.nanoTime();
        try (CnnEngine engine = CnnEngine.load(versionDir.resolve(ModelKind.CNN.weightsFile()))) {
            width = engine.embeddingSize();
            embeddings = new float[test.count() * width];
            int batch = 250;
            for (int from = 0; from < test.count(); from += batch) {
                int count = Math.min(batch, test.count() - from);
                InferenceEngine.Outputs outputs = engine.predictWithEmbeddings(
                        Arrays.copyOfRange(pixels, from * Images.PIXELS, (from + count) * Images.PIXELS), count);
                System.arraycopy(outputs.embeddings(), 0, embeddings, from * width, count * width);
            }
        }
        double embedSeconds = (System.nanoTime() - started) / 1e9;
        System.out.printf(Locale.ROOT, "model %s: %d test digits embedded (%d floats each) in %.1f s%n",
                versionDir, test.count(), width, embedSeconds);

        int[] subsetLabels = Arrays.copyOf(labels, n);
        Space embedded = Space.of("CNN embeddings", Arrays.copyOf(embeddings, n * width), width, subsetLabels);
        Space raw = Space.of("raw pixels", Arrays.copyOf(pixels, n * Images.PIXELS), Images.PIXELS, subsetLabels);

        Files.createDirectories(docs);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", versionDir.toString());
        result.put("digits", n);
        System.out.println();
        System.out.printf(Locale.ROOT, "First %d MNIST test digits; %d-NN leave-one-out; PCA (power iteration)%n%n", n, K);
        System.out.println("| space | dimensions | 5-NN accuracy (cosine, full space) | 5-NN accuracy (2-D PCA) "
                + "| silhouette (2-D PCA) | variance in PC1 + PC2 |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: |");
        for (Space space : List.of(raw, embedded)) {
            Map<String, Object> figures = space.figures();
            result.put(space.name, figures);
            System.out.printf(Locale.ROOT, "| %s | %d | %.4f | %.4f | %.3f | %.1f %% |%n", space.name, space.dims,
                    figures.get("knnAccuracyFull"), figures.get("knnAccuracy2d"), figures.get("silhouette2d"),
                    100 * (double) figures.get("varianceExplained2d"));
            String file = space == embedded ? "embeddings-pca.png" : "pixels-pca.png";
            ImageIO.write(space.scatter(), "png", docs.resolve(file).toFile());
        }

        // nearest neighbours among all test digits, embeddings and pixels side by side
        List<Map<String, Object>> neighbours = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        System.out.println();
        System.out.println("| query (test index, label) | space | 5 nearest test digits by cosine similarity (index: label, similarity) "
                + "| same label |");
        System.out.println("| --- | --- | --- | ---: |");
        for (int query : QUERIES) {
            for (boolean useEmbeddings : new boolean[] {true, false}) {
                float[] vectors = useEmbeddings ? embeddings : pixels;
                int dims = useEmbeddings ? width : Images.PIXELS;
                int[] nearest = nearest(vectors, dims, test.count(), query, K);
                double[] similarity = new double[K];
                int same = 0;
                StringBuilder cells = new StringBuilder();
                for (int i = 0; i < K; i++) {
                    similarity[i] = cosine(vectors, dims, query, nearest[i]);
                    same += labels[nearest[i]] == labels[query] ? 1 : 0;
                    cells.append(i > 0 ? ", " : "").append(String.format(Locale.ROOT, "%d: %d, %.3f",
                            nearest[i], labels[nearest[i]], similarity[i]));
                }
                String space = useEmbeddings ? "embedding" : "pixels";
                System.out.printf(Locale.ROOT, "| %d, %d | %s | %s | %d of %d |%n", query, labels[query], space,
                        cells, same, K);
                rows.add(new Row(query, space, nearest, similarity));
                neighbours.add(Map.of("query", query, "label", labels[query], "space", space,
                        "nearest", nearest, "similarity", similarity, "sameLabel", same));
            }
        }
        ImageIO.write(strip(rows, pixels, labels), "png", docs.resolve("embeddings-neighbours.png").toFile());
        result.put("neighbours", neighbours);

        Path out = Path.of("bench/results/embeddings-" + System.currentTimeMillis() + ".json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(result));
        System.out.println();
        System.out.println("wrote " + docs.resolve("embeddings-pca.png") + ", " + docs.resolve("pixels-pca.png") + ", "
                + docs.resolve("embeddings-neighbours.png") + " and " + out);
    }

    /** One set of vectors of the same digits, with its 2-D PCA projection. */
    private static final class Space {
        final String name;
        final int dims;
        final int n;
        final double[][] vectors;
        final int[] labels;
        final double[][] projected;
        final double varianceExplained;

        private Space(String name, int dims, double[][] vectors, int[] labels, double[][] projected,
                      double varianceExplained) {
            this.name = name;
            this.dims = dims;
            this.n = vectors.length;
            this.vectors = vectors;
            this.labels = labels;
            this.projected = projected;
            this.varianceExplained = varianceExplained;
        }

        static Space of(String name, float[] flat, int dims, int[] labels) {
            int n = flat.length / dims;
            double[][] vectors = new double[n][dims];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < dims; j++) {
                    vectors[i][j] = flat[i * dims + j];
                }
            }
            // PCA: the covariance of the centred vectors and its two leading eigenvectors by power iteration with
            // deflation (ND4J's PCA class inverts the covariance, which fails here: a dead ReLU unit and the
            // always-black border pixels make it singular)
            double[] mean = new double[dims];
            for (double[] v : vectors) {
                for (int j = 0; j < dims; j++) {
                    mean[j] += v[j] / n;
                }
            }
            double[][] centred = new double[n][dims];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < dims; j++) {
                    centred[i][j] = vectors[i][j] - mean[j];
                }
            }
            INDArray x = Nd4j.create(centred);
            double[][] covariance = x.transpose().mmul(x).divi(n - 1).toDoubleMatrix();
            double trace = 0;
            for (int j = 0; j < dims; j++) {
                trace += covariance[j][j];
            }
            double[][] components = new double[2][];
            double[] eigenvalues = new double[2];
            for (int c = 0; c < 2; c++) {
                double[] v = new double[dims];
                Arrays.fill(v, 1 / Math.sqrt(dims));
                double lambda = 0;
                for (int iteration = 0; iteration < 1000; iteration++) {
                    double[] next = new double[dims];
                    for (int r = 0; r < dims; r++) {
                        next[r] = dot(covariance[r], v);
                    }
                    double norm = Math.sqrt(dot(next, next));
                    for (int r = 0; r < dims; r++) {
                        next[r] /= norm;
                    }
                    double change = Math.abs(norm - lambda);
                    lambda = norm;
                    v = next;
                    if (change < 1e-12 * lambda) {
                        break;
                    }
                }
                components[c] = v;
                eigenvalues[c] = lambda;
                for (int r = 0; r < dims; r++) {
                    for (int q = 0; q < dims; q++) {
                        covariance[r][q] -= lambda * v[r] * v[q];
                    }
                }
            }
            double[][] projected = new double[n][2];
            for (int i = 0; i < n; i++) {
                projected[i][0] = dot(centred[i], components[0]);
                projected[i][1] = dot(centred[i], components[1]);
            }
            double explained = (eigenvalues[0] + eigenvalues[1]) / trace;
            return new Space(name, dims, vectors, labels, projected, explained);
        }

        Map<String, Object> figures() {
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("dimensions", dims);
            figures.put("knnAccuracyFull", knnAccuracy(vectors, labels, true));
            figures.put("knnAccuracy2d", knnAccuracy(projected, labels, false));
            figures.put("silhouette2d", silhouette(projected, labels));
            figures.put("varianceExplained2d", varianceExplained);
            return figures;
        }

        BufferedImage scatter() {
            int size = 720;
            int margin = 60;
            int legend = 110;
            BufferedImage image = new BufferedImage(size + legend, size, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            try {
                g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
                g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
                g.setColor(Color.WHITE);
                g.fillRect(0, 0, image.getWidth(), image.getHeight());
                double minX = Double.MAX_VALUE;
                double maxX = -Double.MAX_VALUE;
                double minY = Double.MAX_VALUE;
                double maxY = -Double.MAX_VALUE;
                for (double[] p : projected) {
                    minX = Math.min(minX, p[0]);
                    maxX = Math.max(maxX, p[0]);
                    minY = Math.min(minY, p[1]);
                    maxY = Math.max(maxY, p[1]);
                }
                int plot = size - 2 * margin;
                g.setColor(new Color(0xdddddd));
                g.drawRect(margin, margin, plot, plot);
                for (int i = 0; i < n; i++) {
                    int x = margin + (int) Math.round((projected[i][0] - minX) / (maxX - minX) * plot);
                    // screen y grows downwards; PC2 up
                    int y = margin + plot - (int) Math.round((projected[i][1] - minY) / (maxY - minY) * plot);
                    Color c = PALETTE[labels[i]];
                    g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 150));
                    g.fillOval(x - 3, y - 3, 7, 7);
                }
                g.setColor(Color.BLACK);
                g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
                g.drawString("PCA of " + name + " (" + dims + " dimensions), " + n + " MNIST test digits", margin, 35);
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
                g.drawString(String.format(Locale.ROOT, "PC1 (horizontal) and PC2 (vertical) explain %.1f %% of the variance",
                        100 * varianceExplained), margin, size - 22);
                int ly = margin + 10;
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 16));
                g.drawString("digit", size + 10, ly);
                for (int d = 0; d < 10; d++) {
                    int y = ly + 14 + d * 26;
                    g.setColor(PALETTE[d]);
                    g.fillOval(size + 12, y, 14, 14);
                    g.setColor(Color.BLACK);
                    g.drawString(Integer.toString(d), size + 36, y + 13);
                }
            } finally {
                g.dispose();
            }
            return image;
        }
    }

    /** Leave-one-out k-NN accuracy (majority vote, ties to the nearest): cosine similarity or Euclidean distance. */
    static double knnAccuracy(double[][] vectors, int[] labels, boolean cosine) {
        int n = vectors.length;
        double[] norms = new double[n];
        for (int i = 0; i < n; i++) {
            norms[i] = Math.sqrt(dot(vectors[i], vectors[i]));
        }
        int correct = 0;
        for (int i = 0; i < n; i++) {
            double[] score = new double[n];
            for (int j = 0; j < n; j++) {
                if (cosine) {
                    double denominator = norms[i] * norms[j];
                    score[j] = denominator == 0 ? -1 : dot(vectors[i], vectors[j]) / denominator;
                } else {
                    score[j] = -distance(vectors[i], vectors[j]);
                }
            }
            score[i] = Double.NEGATIVE_INFINITY;
            int[] best = top(score, K);
            int[] votes = new int[10];
            for (int b : best) {
                votes[labels[b]]++;
            }
            int winner = labels[best[0]];
            for (int d = 0; d < 10; d++) {
                if (votes[d] > votes[winner]) {
                    winner = d;
                }
            }
            correct += winner == labels[i] ? 1 : 0;
        }
        return correct / (double) n;
    }

    /** Mean silhouette of the labels as clusters, Euclidean. */
    static double silhouette(double[][] points, int[] labels) {
        int n = points.length;
        int[] sizes = new int[10];
        for (int label : labels) {
            sizes[label]++;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double[] total = new double[10];
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    total[labels[j]] += distance(points[i], points[j]);
                }
            }
            int own = labels[i];
            if (sizes[own] < 2) {
                continue;
            }
            double a = total[own] / (sizes[own] - 1);
            double b = Double.MAX_VALUE;
            for (int d = 0; d < 10; d++) {
                if (d != own && sizes[d] > 0) {
                    b = Math.min(b, total[d] / sizes[d]);
                }
            }
            sum += (b - a) / Math.max(a, b);
        }
        return sum / n;
    }

    private static int[] top(double[] score, int k) {
        int[] best = new int[k];
        Arrays.fill(best, -1);
        for (int j = 0; j < score.length; j++) {
            for (int slot = 0; slot < k; slot++) {
                if (best[slot] < 0 || score[j] > score[best[slot]]) {
                    System.arraycopy(best, slot, best, slot + 1, k - slot - 1);
                    best[slot] = j;
                    break;
                }
            }
        }
        return best;
    }

    private static int[] nearest(float[] vectors, int dims, int count, int query, int k) {
        double[] score = new double[count];
        for (int j = 0; j < count; j++) {
            score[j] = j == query ? Double.NEGATIVE_INFINITY : cosine(vectors, dims, query, j);
        }
        return top(score, k);
    }

    private static double cosine(float[] vectors, int dims, int a, int b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < dims; i++) {
            double x = vectors[a * dims + i];
            double y = vectors[b * dims + i];
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        return na == 0 || nb == 0 ? -1 : dot / Math.sqrt(na * nb);
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static double distance(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            sum += d * d;
        }
        return Math.sqrt(sum);
    }

    private record Row(int query, String space, int[] nearest, double[] similarity) {
    }

    /** One row per query and space: the query, a gap, its neighbours; labels and similarities under each. */
    private static BufferedImage strip(List<Row> rows, float[] pixels, int[] labels) {
        int cell = 84;
        int caption = 36;
        int left = 110;
        int gap = 24;
        int width = left + cell + gap + K * (cell + 8) + 10;
        int rowHeight = cell + caption + 8;
        int header = 40;
        BufferedImage image = new BufferedImage(width, header + rows.size() * rowHeight, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
            g.drawString("query", left, 26);
            g.drawString("5 nearest MNIST test digits by cosine similarity", left + cell + gap, 26);
            for (int r = 0; r < rows.size(); r++) {
                Row row = rows.get(r);
                int y = header + r * rowHeight;
                g.setColor(Color.BLACK);
                g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
                g.drawString(row.space(), 8, y + cell / 2);
                drawDigit(g, pixels, row.query(), left, y, cell);
                caption(g, "#" + row.query() + ": " + labels[row.query()], left, y + cell, cell, Color.BLACK);
                for (int i = 0; i < K; i++) {
                    int x = left + cell + gap + i * (cell + 8);
                    int neighbour = row.nearest()[i];
                    drawDigit(g, pixels, neighbour, x, y, cell);
                    Color colour = labels[neighbour] == labels[row.query()] ? new Color(0x1a7f37) : new Color(0xc62828);
                    caption(g, String.format(Locale.ROOT, "%d  %.3f", labels[neighbour], row.similarity()[i]), x,
                            y + cell, cell, colour);
                }
                if (r % 2 == 1 && r + 1 < rows.size()) {
                    g.setColor(new Color(0xcccccc));
                    g.setStroke(new BasicStroke(1));
                    g.drawLine(4, y + rowHeight - 3, width - 4, y + rowHeight - 3);
                }
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    private static void drawDigit(Graphics2D g, float[] pixels, int index, int x, int y, int size) {
        BufferedImage digit = new BufferedImage(Images.SIDE, Images.SIDE, BufferedImage.TYPE_INT_RGB);
        for (int p = 0; p < Images.PIXELS; p++) {
            int v = 255 - Math.round(pixels[index * Images.PIXELS + p] * 255);
            digit.setRGB(p % Images.SIDE, p / Images.SIDE, v << 16 | v << 8 | v);
        }
        g.drawImage(digit, x, y, size, size, null);
        g.setColor(new Color(0xbbbbbb));
        g.drawRect(x, y, size, size);
    }

    private static void caption(Graphics2D g, String text, int x, int y, int width, Color colour) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        FontMetrics metrics = g.getFontMetrics();
        g.setColor(colour);
        g.drawString(text, x + (width - metrics.stringWidth(text)) / 2, y + 18);
    }
}
