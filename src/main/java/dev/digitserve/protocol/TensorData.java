package dev.digitserve.protocol;

import dev.digitserve.inference.Images;
import dev.digitserve.request.NumericArrayReader;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ValueDeserializer;

/**
 * The {@code data} of a request tensor as it arrived, read by the shared {@link NumericArrayReader}: its
 * numbers in row-major order and what the reader found wrong with them. Reading it never fails: whatever is
 * wrong is recorded, and {@link InputTensor} decides what to tell the client once it knows the shape and
 * datatype (which may follow {@code data} in the JSON object).
 */
record TensorData(float[] values, NumericArrayReader.Result read) {

    /** How many numbers there are. */
    int count() {
        return read.count();
    }

    /** Binds {@code data} with the streaming reader (no tree, no boxing). */
    static final class Reader extends ValueDeserializer<TensorData> {
        @Override
        public TensorData deserialize(JsonParser parser, DeserializationContext context) {
            NumericArrayReader reader = new NumericArrayReader(Images.PIXELS);
            NumericArrayReader.Result read = reader.read(parser);
            return new TensorData(reader.toArray(), read);
        }
    }
}
