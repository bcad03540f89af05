/**
 * Warm before ready: the whole request path (v1 JSON, v1 image upload, V2 infer) is exercised over real HTTP
 * against the service's own port, so the JIT has compiled it before readiness turns UP. Entry type:
 * {@link dev.digitserve.warmup.RequestPathWarmup}.
 */
package dev.digitserve.warmup;
