package dev.digitserve.image;

import java.util.ArrayList;
import java.util.List;


/**
 * Turns an uploaded picture of a number written in a row into one model input per digit, left to right:
 * decoded and turned upright as for one digit ({@link ImageDecoder}, EXIF orientation), cleaned
 * ({@link MnistPreprocessor#inkPage}), cut into digits ({@link DigitSegmenter}), and each digit
 * size-normalised and centred the MNIST way ({@link MnistPreprocessor#toMnistInput(DigitSegmenter.Segment)}).
 *
 * <p>Errors, all client-safe: those of {@link DigitImageReader}, and {@link NoDigitFoundException} when no
 * digit is found or {@link InvalidImageException} when more than {@code maxDigits} stroke groups are
 * (checked before any digit is cropped, so the limit bounds the work: a group is cropped whole and, when
 * wide, cut into pieces between at most 14 candidate cuts, each piece at most 1.3 digit heights wide).
 * Immutable and thread-safe; CPU-bound.
 */
public final class NumberImageReader {
    static final String NO_DIGITS = "no digit found in the image";

    private final ImageDecoder decoder;
    private final MnistPreprocessor preprocessor;
    private final DigitSegmenter segmenter;

    /** Refusing pictures whose header announces more than {@code maxPixels} pixels. */
    public NumberImageReader(long maxPixels) {
        this(new ImageDecoder(maxPixels), new MnistPreprocessor(), new DigitSegmenter());
    }

    NumberImageReader(ImageDecoder decoder, MnistPreprocessor preprocessor, DigitSegmenter segmenter) {
        this.decoder = decoder;
        this.preprocessor = preprocessor;
        this.segmenter = segmenter;
    }

    /**
     * The candidate digits of a number: {@code count * 784} model inputs, per input its box
     * {@code [x, y, width, height]} in the pixels of the picture as viewed (after the EXIF orientation), and
     * the slots of {@link DigitSegmenter.Layout#slots()}: per stroke group left to right, the lattice of its
     * readings (the whole group, and its pieces between candidate cuts when it is wide), whose edges name
     * input indices.
     */
    public record Digits(float[] pixels, int count, List<int[]> boxes, List<DigitSegmenter.Slot> slots) {
        /**
         * The inputs that make up the number, left to right, given the model's outputs for all inputs: per
         * slot the path through its cuts with the highest sum, over its pieces, of the log of the model's top
         * probability plus the piece's shape prior ({@link DigitSegmenter.Edge#prior()}). The model decides
         * what shape alone cannot: a wide "5" stays one digit, and two touching digits that the model reads
         * surely apart are cut. Raw scores (no probabilities) are turned into probabilities by softmax.
         */
        public int[] choose(float[] outputs, int classes, boolean probabilities) {
            List<Integer> chosen = new ArrayList<>();
            for (DigitSegmenter.Slot slot : slots) {
                int nodes = slot.nodes();
                double[] best = new double[nodes];
                DigitSegmenter.Edge[] via = new DigitSegmenter.Edge[nodes];
                java.util.Arrays.fill(best, Double.NEGATIVE_INFINITY);
                best[0] = 0;
                // edges come sorted by their start node, so a node's best path is final before it is extended
                for (DigitSegmenter.Edge edge : slot.edges()) {
                    if (best[edge.from()] == Double.NEGATIVE_INFINITY) {
                        continue;
                    }
                    double score = best[edge.from()] + edge.prior()
                            + Math.log(Math.max(1e-6, top(outputs, classes, edge.segment(), probabilities)));
                    if (score > best[edge.to()]) {
                        best[edge.to()] = score;
                        via[edge.to()] = edge;
                    }
                }
                List<Integer> path = new ArrayList<>();
                for (int node = nodes - 1; node > 0; node = via[node].from()) {
                    path.add(0, via[node].segment());
                }
                chosen.addAll(path);
            }
            return chosen.stream().mapToInt(Integer::intValue).toArray();
        }

        private static double top(float[] outputs, int classes, int input, boolean probabilities) {
            float max = Float.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                max = Math.max(max, outputs[input * classes + k]);
            }
            if (probabilities) {
                return max;
            }
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                sum += Math.exp(outputs[input * classes + k] - max);
            }
            return 1 / sum;
        }
    }

    /**
     * @param declaredType the Content-Type sent for the bytes, checked against them; null if none
     * @param maxDigits    the most digits to accept, at least 1
     * @throws UnsupportedImageTypeException when the declared type or the content is not an accepted format
     */
    public Digits read(byte[] imageBytes, String declaredType, int maxDigits) {
        DecodedImage decoded = decoder.decode(imageBytes, declaredType);
        InkPage page = preprocessor.inkPage(decoded.image(), decoded.orientation());
        DigitSegmenter.Layout layout = segmenter.find(page);
        int found = layout.slots().size();
        if (found == 0) {
            throw new NoDigitFoundException(NO_DIGITS);
        }
        if (found > maxDigits) {
            throw new InvalidImageException("the image holds " + found + " digits, more than max-digits ("
                    + maxDigits + "): raise max-digits or send a picture of fewer digits");
        }
        boolean swapped = decoded.orientation().swapsAxes();
        int viewedWidth = swapped ? decoded.image().getHeight() : decoded.image().getWidth();
        int viewedHeight = swapped ? decoded.image().getWidth() : decoded.image().getHeight();
        List<DigitSegmenter.Segment> segments = layout.segments();
        float[] pixels = new float[segments.size() * MnistPreprocessor.PIXELS];
        List<int[]> boxes = new ArrayList<>(segments.size());
        for (int i = 0; i < segments.size(); i++) {
            DigitSegmenter.Segment segment = segments.get(i);
            System.arraycopy(preprocessor.toMnistInput(segment), 0, pixels, i * MnistPreprocessor.PIXELS,
                    MnistPreprocessor.PIXELS);
            boxes.add(viewedBox(segment, page.scale(), viewedWidth, viewedHeight));
        }
        return new Digits(pixels, segments.size(), List.copyOf(boxes), layout.slots());
    }

    /** The working-size box scaled back to the viewed picture, rounded outwards and kept inside it. */
    private static int[] viewedBox(DigitSegmenter.Segment segment, double scale, int width, int height) {
        int x0 = Math.max(0, (int) Math.floor(segment.x() * scale));
        int y0 = Math.max(0, (int) Math.floor(segment.y() * scale));
        int x1 = Math.min(width, (int) Math.ceil((segment.x() + segment.width()) * scale));
        int y1 = Math.min(height, (int) Math.ceil((segment.y() + segment.height()) * scale));
        return new int[] {x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0)};
    }
}
