package dev.digitserve.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.ByteBuffer;
import java.util.List;

import org.springframework.http.HttpMethod;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.HttpMediaTypeNotSupportedException;

import jakarta.servlet.http.HttpServletRequest;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * An inference request body as it arrived over REST: the JSON request and, for the binary tensor data extension,
 * the binary part of each input ({@link BinaryTensorData#split}; null for a plain JSON body).
 *
 * <p>What the body is follows from two headers: with {@value BinaryTensorData#HEADER_LENGTH} the first that many
 * bytes are the JSON request and the rest tensor bytes, whatever the Content-Type says (as Triton reads it);
 * otherwise the whole body is JSON, also when no Content-Type is sent. A declared Content-Type other than JSON
 * ({@code application/json}, {@code *+json}) or {@code application/octet-stream} is refused with Spring's 415
 * exception. A JSON body streams through Jackson (the pixel arrays through {@link TensorData.Reader}); a binary
 * body is read whole (the servlet filter bounds its size) and its tensor bytes are only sliced. Malformed JSON is
 * reported as Spring's unreadable-body exception, so the error table words it as for any V2 body.
 */
record InferenceBody(InferenceRequest request, List<ByteBuffer> binary) {

    static InferenceBody read(HttpServletRequest http, JsonMapper json)
            throws IOException, HttpMediaTypeNotSupportedException {
        String headerLength = http.getHeader(BinaryTensorData.HEADER_LENGTH);
        checkContentType(http.getContentType(), headerLength != null);
        ServletServerHttpRequest message = new ServletServerHttpRequest(http);
        if (headerLength == null) {
            return new InferenceBody(json(http.getInputStream(), json, message), null);
        }
        int length = headerLength(headerLength);
        byte[] body = http.getInputStream().readAllBytes();
        if (length > body.length) {
            throw InputTensor.invalid(BinaryTensorData.HEADER_LENGTH, "is " + length + ", but the body has only "
                    + body.length + " bytes");
        }
        InferenceRequest request = parse(json, message, () -> json.readValue(body, 0, length, InferenceRequest.class));
        if (request == null) {
            throw missing(message);
        }
        return new InferenceBody(request,
                BinaryTensorData.split(request.inputs(), ByteBuffer.wrap(body, length, body.length - length)));
    }

    private static void checkContentType(String contentType, boolean binary) throws HttpMediaTypeNotSupportedException {
        if (contentType == null || contentType.isBlank()) {
            return; // Triton's HTTP client sends none: JSON, or binary when the header length is given
        }
        MediaType type;
        try {
            type = MediaType.parseMediaType(contentType);
        } catch (InvalidMediaTypeException e) {
            throw new HttpMediaTypeNotSupportedException("invalid Content-Type '" + contentType + "'");
        }
        boolean isJson = type.isCompatibleWith(MediaType.APPLICATION_JSON) || "json".equals(type.getSubtypeSuffix());
        boolean isBinary = type.isCompatibleWith(MediaType.APPLICATION_OCTET_STREAM) && !type.isWildcardType()
                && !type.isWildcardSubtype();
        if (!isJson && !isBinary) {
            throw new HttpMediaTypeNotSupportedException(type,
                    List.of(MediaType.APPLICATION_JSON, MediaType.APPLICATION_OCTET_STREAM), HttpMethod.POST);
        }
        if (isBinary && !binary) {
            throw InputTensor.invalid(BinaryTensorData.HEADER_LENGTH, "required with Content-Type "
                    + "application/octet-stream: the length in bytes of the JSON request that starts the body"
                    + " (binary tensor data extension); send a plain JSON request as application/json");
        }
    }

    private static int headerLength(String value) {
        try {
            int length = Integer.parseInt(value.strip());
            if (length > 0) {
                return length;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw InputTensor.invalid(BinaryTensorData.HEADER_LENGTH, "must be a positive number of bytes, got '" + value + "'");
    }

    private static InferenceRequest json(InputStream in, JsonMapper json, ServletServerHttpRequest message)
            throws IOException {
        PushbackInputStream body = new PushbackInputStream(in, 1);
        int first = body.read();
        if (first < 0) {
            throw missing(message);
        }
        body.unread(first);
        InferenceRequest request = parse(json, message, () -> json.readValue(body, InferenceRequest.class));
        if (request == null) {
            throw missing(message);
        }
        return request;
    }

    private interface Read {
        InferenceRequest read();
    }

    private static InferenceRequest parse(JsonMapper json, ServletServerHttpRequest message, Read read) {
        try {
            return read.read();
        } catch (JacksonException e) {
            throw new HttpMessageNotReadableException("JSON parse error: " + e.getOriginalMessage(), e, message);
        }
    }

    private static HttpMessageNotReadableException missing(ServletServerHttpRequest message) {
        return new HttpMessageNotReadableException("Required request body is missing", message);
    }
}
