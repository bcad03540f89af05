package dev.digitserve.request;

/** One validation failure: a JSON pointer (or parameter name) and what is wrong with it. */
public record FieldError(String pointer, String detail) {
}
