/**
 * The dynamic batcher: a bounded queue per model version that merges requests into engine calls, with deadlines,
 * refusals carrying a {@code Retry-After} advice, and its metrics; the {@link dev.digitserve.batching.BatcherPool} of
 * threads every batcher shares. Entry type: {@link dev.digitserve.batching.DynamicBatcher};
 * its one failure type is {@link dev.digitserve.batching.BatchingException}. No HTTP here.
 */
package dev.digitserve.batching;
