package dev.digitserve.data;

/** An IDX file that is not what it claims to be; the message names the file and what was expected. */
public class IdxFormatException extends RuntimeException {
    public IdxFormatException(String message) {
        super(message);
    }
}
