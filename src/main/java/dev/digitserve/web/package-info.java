/**
 * The HTTP layer over all features: the one error table ({@link dev.digitserve.web.ErrorTable}) and its two renderers
 * (problem details for v1, {@code {"error"}} for V2), the servlet filters (size limit, API keys) and the OpenAPI header.
 * Feature packages never import it.
 */
package dev.digitserve.web;
