package dev.digitserve.prediction;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import org.springframework.stereotype.Component;
import org.springframework.web.multipart.MultipartFile;

import dev.digitserve.image.DigitImageReader;
import dev.digitserve.image.ImageTooLargeException;
import dev.digitserve.image.InvalidImageException;
import dev.digitserve.image.UnsupportedImageTypeException;
import dev.digitserve.inference.Images;
import dev.digitserve.request.FieldError;
import dev.digitserve.request.InputLimits;
import dev.digitserve.request.InvalidRequestException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The v1 inputs of one digit per image, shared by the endpoints that take them (predict, embeddings): a JSON
 * {@code {"instances": [...]}} body, one image body, or multipart {@code image} parts, each read into
 * {@link Images} under {@link InputLimits} with the same messages. Thread-safe and stateless; every problem is
 * thrown as the client error that names it (a multipart failure names the part by its index).
 */
@Component
class PredictionInputs {
    private final InstancesParser instancesParser;
    private final DigitImageReader imageReader;
    private final int maxInstances;

    PredictionInputs(InputLimits limits, JsonMapper json) {
        this.instancesParser = new InstancesParser(json, limits.maxInstances());
        this.imageReader = new DigitImageReader(limits.maxImagePixels());
        this.maxInstances = limits.maxInstances();
    }

    /** {@code {"instances": [...]}}, streamed. */
    Images json(InputStream body) {
        return instancesParser.parse(body);
    }

    /** One picture of a digit, prepared the MNIST way. */
    Images image(byte[] image, String contentType) {
        return Images.of(imageReader.toMnistInput(image, contentType));
    }

    /** Every uploaded part through the image pipeline; a failure names the part by its index. */
    Images uploads(List<MultipartFile> parts) {
        if (parts.size() > maxInstances) {
            throw new InvalidRequestException("too many images: at most " + maxInstances + " per request",
                    List.of(new FieldError("image", "more than " + maxInstances + " parts")));
        }
        float[] pixels = new float[parts.size() * Images.PIXELS];
        for (int i = 0; i < parts.size(); i++) {
            try {
                System.arraycopy(imageReader.toMnistInput(parts.get(i).getBytes(), parts.get(i).getContentType()), 0,
                        pixels, i * Images.PIXELS, Images.PIXELS);
            } catch (InvalidImageException | ImageTooLargeException | UnsupportedImageTypeException e) {
                throw new ImagePartException(i, e);
            } catch (IOException e) {
                throw new InvalidRequestException("image part " + i + " could not be read");
            }
        }
        return new Images(pixels, parts.size());
    }
}
