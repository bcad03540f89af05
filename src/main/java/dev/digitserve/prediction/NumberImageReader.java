package dev.digitserve.prediction;

import java.util.ArrayList;
import java.util.List;

import dev.digitserve.image.DecodedImage;
import dev.digitserve.image.DigitSegmenter;
import dev.digitserve.image.InkPage;
import dev.digitserve.image.UnsupportedImageTypeException;

/**
 * Turns an uploaded picture of a number written in a row into one model input per digit, left to right:
 * decoded and turned upright as for one digit ({@link ImageDecoder}, EXIF orientation), cleaned
 * ({@link MnistPreprocessor#inkPage}), cut into digits ({@link DigitSegmenter}), and each digit
 * size-normalised and centred the MNIST way ({@link MnistPreprocessor#toMnistInput(DigitSegmenter.Segment)}).
 *
 * <p>Errors, all client-safe: those of {@link DigitImageReader}, and {@link NoDigitFoundException} when no
 * digit is found or {@link InvalidImageException} when more than {@code maxDigits} are (checked before any
 * digit is cropped, so the limit bounds the work). Immutable and thread-safe; CPU-bound.
 */
public final class NumberImageReader {
    static final String NO_DIGITS = "no digit found in the image";

    private final ImageDecoder decoder;
    private final MnistPreprocessor preprocessor;
    private final DigitSegmenter segmenter;

    public NumberImageReader(ImageDecoder decoder, MnistPreprocessor preprocessor, DigitSegmenter segmenter) {
        this.decoder = decoder;
        this.preprocessor = preprocessor;
        this.segmenter = segmenter;
    }

    /**
     * The digits of a number: {@code count * 784} model inputs and, per digit, its box
     * {@code [x, y, width, height]} in the pixels of the picture as viewed (after the EXIF orientation).
     */
    public record Digits(float[] pixels, int count, List<int[]> boxes) {
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
        if (layout.count() == 0) {
            throw new NoDigitFoundException(NO_DIGITS);
        }
        if (layout.count() > maxDigits) {
            throw new InvalidImageException("the image holds " + layout.count() + " digits, more than max-digits ("
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
        return new Digits(pixels, segments.size(), List.copyOf(boxes));
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
