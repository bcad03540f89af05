package dev.digitserve.image;

import dev.digitserve.inference.Images;

import dev.digitserve.image.DecodedImage;
import dev.digitserve.image.UnsupportedImageTypeException;

/**
 * The image package's entry point. Turns an uploaded image (PNG, JPEG, WebP, GIF, BMP, TIFF) of one handwritten
 * digit, viewed the way its EXIF orientation says, into the model input: 784 floats in [0, 1],
 * row-major 28 x 28, 0 = background. Decoding and its limits are {@link ImageDecoder}'s, the MNIST-style
 * preprocessing is {@link MnistPreprocessor}'s; see their documentation for the contract and the steps.
 *
 * <p>Errors, all with client-safe messages: {@link InvalidImageException} (400) for empty, unsupported,
 * truncated or corrupt data and, as its subclass {@link NoDigitFoundException}, for a picture with no
 * digit in it; {@link UnsupportedImageTypeException} (415) for a declared type or content that is not an
 * accepted format; {@link ImageTooLargeException} (413) when the header announces more pixels than the
 * decoder accepts. Immutable and thread-safe; CPU-bound, so callers should not run it on a thread that
 * must stay responsive.
 */
public final class DigitImageReader {
    private final ImageDecoder decoder;
    private final MnistPreprocessor preprocessor;

    /** With the default pixel limit, {@link ImageDecoder#DEFAULT_MAX_PIXELS}. */
    public DigitImageReader() {
        this(new ImageDecoder(), new MnistPreprocessor());
    }

    /** Refusing images whose header announces more than {@code maxPixels} pixels. */
    public DigitImageReader(long maxPixels) {
        this(new ImageDecoder(maxPixels), new MnistPreprocessor());
    }

    DigitImageReader(ImageDecoder decoder, MnistPreprocessor preprocessor) {
        this.decoder = decoder;
        this.preprocessor = preprocessor;
    }

    /**
     * @return a new array of {@link Images#PIXELS} floats in [0, 1]
     * @throws InvalidImageException  (or {@link NoDigitFoundException}) as described above
     * @throws ImageTooLargeException when the image has more pixels than the decoder accepts
     */
    public float[] toMnistInput(byte[] imageBytes) {
        return toMnistInput(imageBytes, null);
    }

    /**
     * @param declaredType the Content-Type sent for the bytes, checked against them; null if none
     * @return a new array of {@link MnistPreprocessor#PIXELS} floats in [0, 1]
     * @throws UnsupportedImageTypeException when the declared type or the content is not an accepted format
     */
    public float[] toMnistInput(byte[] imageBytes, String declaredType) {
        DecodedImage decoded = decoder.decode(imageBytes, declaredType);
        return preprocessor.toMnistInput(decoded.image(), decoded.orientation());
    }
}
