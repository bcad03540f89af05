package dev.digitserve.batching;

import java.util.List;

/**
 * What a {@link DynamicBatcher} tells the outside about each request's path through it, so that tracing can show
 * where a request spent its time (queue or engine) without the batcher knowing about tracing or HTTP.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #submitted} runs on the submitting thread, inside {@code submit}, before the request is enqueued;
 *       whatever it returns (null for nothing) travels with the request and comes back in {@link #batchStarted}.
 *       It must be quick and must not throw.
 *   <li>{@link #batchStarted} runs on a worker thread after the batch is formed and before the engine call, with
 *       one {@link Member} per request that has images in the batch, in batch order; {@link #batchFinished} runs on
 *       the same thread once the engine has returned or thrown, before any of those requests' futures complete.
 *       Neither may throw; the batcher does not guard against it.
 *   <li>Requests refused at submit or expired before reaching a batch never appear in a batch.
 * </ul>
 * {@link #NONE} does nothing and is what a batcher uses when it is given no observer.
 */
public interface BatchObserver {

    BatchObserver NONE = new BatchObserver() {
        @Override
        public Object submitted() {
            return null;
        }

        @Override
        public Object batchStarted(String model, int version, int images, List<Member> members) {
            return null;
        }

        @Override
        public void batchFinished(Object batch, Throwable failure) {
        }
    };

    /** @return what to carry with the request (for example the caller's trace context), or null */
    Object submitted();

    /**
     * @param images  images in the batch (the engine call's batch size)
     * @param members the requests with images in this batch
     * @return what {@link #batchFinished} gets back, or null
     */
    Object batchStarted(String model, int version, int images, List<Member> members);

    /** @param failure what the engine threw (or the batcher found wrong with its answer), null on success */
    void batchFinished(Object batch, Throwable failure);

    /**
     * One request's share of a batch.
     *
     * @param submitted  what {@link #submitted} returned for the request
     * @param images     the request's images in this batch
     * @param firstSlice true if this batch holds the request's first images, i.e. its queue wait ends here (a
     *                   request larger than the room in a batch is split across consecutive batches)
     */
    record Member(Object submitted, int images, boolean firstSlice) {
    }
}
