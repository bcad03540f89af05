package dev.digitserve.image;

/**
 * One 8-connected part of a grey page: the flood fill that both the digit's box (preprocessing) and the digits
 * of a number (segmentation) are built on. Stateless; the caller owns the label and queue arrays, so a page is
 * labelled without allocating per part.
 */
final class InkFill {
    private InkFill() {
    }

    /** What one fill found: its pixel count and bounding box (inclusive). */
    record Part(int area, int minX, int minY, int maxX, int maxY) {
    }

    /**
     * Labels with {@code id} every unlabelled pixel at or above {@code level} that is 8-connected to {@code start}
     * (which must itself qualify). {@code labels} is 0 where nothing is labelled yet; {@code queue} is scratch of
     * at least {@code w * h} entries.
     */
    static Part fill(float[] ink, int w, int h, float level, int[] labels, int[] queue, int start, int id) {
        int minX = w;
        int minY = h;
        int maxX = -1;
        int maxY = -1;
        int head = 0;
        int tail = 0;
        queue[tail++] = start;
        labels[start] = id;
        while (head < tail) {
            int p = queue[head++];
            int px = p % w;
            int py = p / w;
            minX = Math.min(minX, px);
            maxX = Math.max(maxX, px);
            minY = Math.min(minY, py);
            maxY = Math.max(maxY, py);
            for (int ny = Math.max(0, py - 1); ny <= Math.min(h - 1, py + 1); ny++) {
                for (int nx = Math.max(0, px - 1); nx <= Math.min(w - 1, px + 1); nx++) {
                    int q = ny * w + nx;
                    if (labels[q] == 0 && ink[q] >= level) {
                        labels[q] = id;
                        queue[tail++] = q;
                    }
                }
            }
        }
        return new Part(tail, minX, minY, maxX, maxY);
    }
}
