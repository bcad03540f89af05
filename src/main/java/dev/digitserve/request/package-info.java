/**
 * What every API shares about a request, below all features: the client-error types
 * ({@link dev.digitserve.request.InvalidRequestException} and friends), the deadline header, the input limits and the one
 * streaming reader of pixel arrays ({@link dev.digitserve.request.NumericArrayReader}).
 */
package dev.digitserve.request;
