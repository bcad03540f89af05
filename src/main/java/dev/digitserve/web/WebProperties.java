package dev.digitserve.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code digitserve.web.*}: limits the HTTP layer enforces before any feature sees a request.
 *
 * @param maxRequestSize request body size; larger bodies are refused with 413 before being read
 */
@ConfigurationProperties("digitserve.web")
public record WebProperties(@DefaultValue("10MB") DataSize maxRequestSize) {
}
