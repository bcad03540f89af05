package dev.digitserve.image;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Finds the digits of a number written in a row on a cleaned {@link InkPage}, left to right. The steps,
 * all on the page's pixels at or above {@link #INK_LEVEL}:
 * <ol>
 * <li><b>Parts.</b> 8-connected components; specks under 2% of the largest part's area are dropped.</li>
 * <li><b>Row.</b> The digit height {@code H} is the median height of the tall parts (at least half the
 * tallest); parts that do not overlap the band between the tall parts' median top and bottom (widened by
 * {@code H / 2}) are not in the row and are dropped.</li>
 * <li><b>Broken strokes.</b> Parts whose column ranges overlap by half the narrower one's width are one
 * digit (a "5" whose flag came loose, the two strokes of a "4"). A part shorter than {@code H / 2} joins the
 * nearest digit if it is within {@code H / 4} of it, and is dropped otherwise when shorter than
 * {@code 0.35 H} (a full stop, a dash).</li>
 * <li><b>Touching digits.</b> The typical digit width {@code W} is the median width of the groups found,
 * held between {@code 0.4 H} and {@code 0.85 H}. A group wider than both {@code 1.15 W} and {@code 0.75 H}
 * may be touching digits: besides itself, it is offered cut into 2 up to {@code round(width / W) + 1}
 * (at most 4) pieces, each cut at the column with the least ink near the evenly spaced position. Which
 * reading is right is left to the model (see {@link Layout#slots()}): shape alone cannot tell a wide
 * "5" from a touching "17".</li>
 * </ol>
 * A digit's crop holds its own ink and the faint edge pixels (below {@link #INK_LEVEL}) that touch it, but
 * no ink of its neighbours, so that each can be size-normalised and centred alone.
 *
 * <p>Cost is linear in the page's pixels plus a small power of the number of parts; memory is two
 * {@code int} per page pixel. Stateless and thread-safe; {@link Layout} is immutable.
 */
public final class DigitSegmenter {
    /** Ink level at which a pixel belongs to a stroke; the same level MNIST preprocessing boxes digits by. */
    public static final float INK_LEVEL = 0.3f;

    private static final double MIN_PART_SHARE = 0.02;
    private static final double TALL = 0.5;
    private static final double OVERLAP_TO_MERGE = 0.5;
    private static final double FRAGMENT_HEIGHT = 0.5;
    private static final double FRAGMENT_GAP = 0.25;
    private static final double DROP_HEIGHT = 0.35;
    private static final double MIN_TYPICAL_WIDTH = 0.4;
    private static final double MAX_TYPICAL_WIDTH = 0.85;
    private static final double SPLIT_WIDTHS = 1.15;
    private static final double SPLIT_HEIGHTS = 0.75;
    /** Most digits one stroke group is read as: bounds the inputs per group. */
    private static final int MAX_CUT = 4;

    /**
     * One digit: its box on the page ({@code x, y, width, height}, working pixels) and a crop of
     * {@code (width + 2 margin) x (height + 2 margin)} ink values, row-major, whose digit box starts at
     * ({@code margin}, {@code margin}); pixels outside the page are 0.
     */
    public record Segment(int x, int y, int width, int height, int margin, float[] crop) {
        public int cropWidth() {
            return width + 2 * margin;
        }

        public int cropHeight() {
            return height + 2 * margin;
        }
    }

    /**
     * The digits found on a page, as {@link #slots()} left to right: a slot is one stroke group, read
     * either as one digit or, when it is wide enough to be touching digits, as several; each reading
     * ("alternative") lists indices into {@link #segments()}, the whole group first. {@link #slots()} is
     * cheap, {@link #segments()} builds the crops.
     */
    public static final class Layout {
        private final InkPage page;
        private final int[] labels;
        private final int[] groupOfPart;
        private final List<Piece> pieces;
        private final List<int[][]> slots;

        private Layout(InkPage page, int[] labels, int[] groupOfPart, List<Piece> pieces, List<int[][]> slots) {
            this.page = page;
            this.labels = labels;
            this.groupOfPart = groupOfPart;
            this.pieces = pieces;
            this.slots = slots;
        }

        /** Per slot, left to right, its alternative readings as indices into {@link #segments()}. */
        public List<int[][]> slots() {
            return slots;
        }

        /** Every crop that some reading uses; a reading picks some of them. */
        public List<Segment> segments() {
            List<Segment> segments = new ArrayList<>(pieces.size());
            for (Piece piece : pieces) {
                segments.add(crop(piece));
            }
            return segments;
        }

        private boolean member(int p, int x, Piece piece) {
            int label = labels[p];
            return label > 0 && groupOfPart[label] == piece.group && x >= piece.from && x <= piece.to;
        }

        private Segment crop(Piece piece) {
            int w = piece.x1 - piece.x0 + 1;
            int h = piece.y1 - piece.y0 + 1;
            int margin = Math.max(2, (int) Math.ceil(0.1 * Math.max(w, h)));
            int cw = w + 2 * margin;
            int ch = h + 2 * margin;
            float[] crop = new float[cw * ch];
            int pw = page.width();
            int ph = page.height();
            float[] ink = page.ink();
            for (int cy = 0; cy < ch; cy++) {
                int y = piece.y0 - margin + cy;
                if (y < 0 || y >= ph) {
                    continue;
                }
                for (int cx = 0; cx < cw; cx++) {
                    int x = piece.x0 - margin + cx;
                    if (x < piece.from || x > piece.to || x < 0 || x >= pw) {
                        continue;
                    }
                    int p = y * pw + x;
                    if (member(p, x, piece) || (labels[p] == 0 && ink[p] > 0 && touchesMember(x, y, piece))) {
                        crop[cy * cw + cx] = ink[p];
                    }
                }
            }
            return new Segment(piece.x0, piece.y0, w, h, margin, crop);
        }

        /** Whether a faint pixel is an edge of this digit's strokes (an 8-neighbour is a member). */
        private boolean touchesMember(int x, int y, Piece piece) {
            int pw = page.width();
            for (int ny = Math.max(0, y - 1); ny <= Math.min(page.height() - 1, y + 1); ny++) {
                for (int nx = Math.max(0, x - 1); nx <= Math.min(pw - 1, x + 1); nx++) {
                    if (member(ny * pw + nx, nx, piece)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /** A digit: the parts of one group, limited to columns {@code from..to}, and its box. */
    private record Piece(int group, int from, int to, int x0, int y0, int x1, int y1) {
    }

    /** A set of parts taken for one or more digits, with its box and ink area. */
    private static final class Group {
        int x0 = Integer.MAX_VALUE;
        int y0 = Integer.MAX_VALUE;
        int x1 = -1;
        int y1 = -1;
        long area;
        final List<Integer> parts = new ArrayList<>();

        void add(int part, Parts all) {
            parts.add(part);
            x0 = Math.min(x0, all.x0[part]);
            y0 = Math.min(y0, all.y0[part]);
            x1 = Math.max(x1, all.x1[part]);
            y1 = Math.max(y1, all.y1[part]);
            area += all.area[part];
        }

        void absorb(Group other, Parts all) {
            for (int part : other.parts) {
                add(part, all);
            }
        }

        int width() {
            return x1 - x0 + 1;
        }

        int height() {
            return y1 - y0 + 1;
        }
    }

    /** Connected components, 1-based; index 0 is unused. */
    private record Parts(int count, int[] area, int[] x0, int[] y0, int[] x1, int[] y1) {
        int width(int p) {
            return x1[p] - x0[p] + 1;
        }

        int height(int p) {
            return y1[p] - y0[p] + 1;
        }
    }

    /** The digits on {@code page}; a page without ink has none. */
    public Layout find(InkPage page) {
        int w = page.width();
        int[] labels = new int[page.ink().length];
        Parts parts = label(page.ink(), w, page.height(), labels);
        int[] groupOfPart = new int[parts.count() + 1];
        List<Group> groups = groups(parts);
        List<Piece> pieces = new ArrayList<>();
        List<int[][]> slots = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            for (int part : groups.get(g).parts) {
                groupOfPart[part] = g + 1;
            }
        }
        if (!groups.isEmpty()) {
            double height = median(groups.stream().mapToInt(Group::height).toArray());
            double typical = Math.max(MIN_TYPICAL_WIDTH * height,
                    Math.min(MAX_TYPICAL_WIDTH * height, median(groups.stream().mapToInt(Group::width).toArray())));
            for (int g = 0; g < groups.size(); g++) {
                slots.add(split(groups.get(g), g + 1, typical, height, page, labels, groupOfPart, pieces));
            }
        }
        return new Layout(page, labels, groupOfPart, List.copyOf(pieces), List.copyOf(slots));
    }

    private static Parts label(float[] ink, int w, int h, int[] labels) {
        int[] queue = new int[ink.length];
        int capacity = 64;
        int[] area = new int[capacity];
        int[] x0 = new int[capacity];
        int[] y0 = new int[capacity];
        int[] x1 = new int[capacity];
        int[] y1 = new int[capacity];
        int count = 0;
        for (int start = 0; start < ink.length; start++) {
            if (labels[start] != 0 || ink[start] < INK_LEVEL) {
                continue;
            }
            int id = ++count;
            if (id == capacity) {
                capacity *= 2;
                area = Arrays.copyOf(area, capacity);
                x0 = Arrays.copyOf(x0, capacity);
                y0 = Arrays.copyOf(y0, capacity);
                x1 = Arrays.copyOf(x1, capacity);
                y1 = Arrays.copyOf(y1, capacity);
            }
            InkFill.Part part = InkFill.fill(ink, w, h, INK_LEVEL, labels, queue, start, id);
            area[id] = part.area();
            x0[id] = part.minX();
            y0[id] = part.minY();
            x1[id] = part.maxX();
            y1[id] = part.maxY();
        }
        return new Parts(count, area, x0, y0, x1, y1);
    }

    /** Steps 1 to 3: the parts that are in the row, grouped into digits (before splitting). */
    private static List<Group> groups(Parts parts) {
        int largest = 0;
        for (int p = 1; p <= parts.count(); p++) {
            largest = Math.max(largest, parts.area()[p]);
        }
        List<Integer> kept = new ArrayList<>();
        for (int p = 1; p <= parts.count(); p++) {
            if (parts.area()[p] >= Math.max(2, MIN_PART_SHARE * largest)) {
                kept.add(p);
            }
        }
        if (kept.isEmpty()) {
            return List.of();
        }
        int tallest = kept.stream().mapToInt(parts::height).max().orElseThrow();
        List<Integer> tall = kept.stream().filter(p -> parts.height(p) >= TALL * tallest).toList();
        double height = median(tall.stream().mapToInt(parts::height).toArray());
        double top = median(tall.stream().mapToInt(p -> parts.y0()[p]).toArray()) - height / 2;
        double bottom = median(tall.stream().mapToInt(p -> parts.y1()[p]).toArray()) + height / 2;

        List<Group> groups = new ArrayList<>();
        kept.stream().filter(p -> parts.y1()[p] >= top && parts.y0()[p] <= bottom)
                .sorted(Comparator.comparingInt(p -> parts.x0()[p]))
                .forEach(p -> {
                    Group group = new Group();
                    group.add(p, parts);
                    groups.add(group);
                });
        // parts stacked in the same columns are one digit; in column order, a part can only join one of
        // the few digits just before it, which keeps this linear however many parts there are
        List<Group> merged = new ArrayList<>();
        for (Group group : groups) {
            Group target = null;
            for (int i = merged.size() - 1; i >= Math.max(0, merged.size() - 3) && target == null; i--) {
                Group a = merged.get(i);
                int overlap = Math.min(a.x1, group.x1) - Math.max(a.x0, group.x0) + 1;
                if (overlap >= OVERLAP_TO_MERGE * Math.min(a.width(), group.width())) {
                    target = a;
                }
            }
            if (target == null) {
                merged.add(group);
            } else {
                target.absorb(group, parts);
            }
        }
        // short pieces: a loose stroke of the nearest digit, or not a digit at all
        List<Group> result = new ArrayList<>();
        List<Group> fragments = new ArrayList<>();
        for (Group group : merged) {
            (group.height() < FRAGMENT_HEIGHT * height ? fragments : result).add(group);
        }
        for (Group fragment : fragments) {
            Group nearest = null;
            int bestGap = Integer.MAX_VALUE;
            for (Group digit : result) {
                int gap = Math.max(0, Math.max(digit.x0 - fragment.x1, fragment.x0 - digit.x1));
                if (gap < bestGap) {
                    bestGap = gap;
                    nearest = digit;
                }
            }
            if (nearest != null && bestGap <= FRAGMENT_GAP * height) {
                nearest.absorb(fragment, parts);
            } else if (fragment.height() >= DROP_HEIGHT * height) {
                result.add(fragment);
            }
        }
        result.sort(Comparator.comparingInt(g -> g.x0));
        return result;
    }

    /**
     * Step 4: the readings of a group: itself, and when it is wide, one piece per digit cut where the
     * ink is thinnest near even spacing. Adds the pieces to {@code pieces} and returns the slot.
     */
    private static int[][] split(Group group, int id, double typicalWidth, double height, InkPage page, int[] labels,
                                 int[] groupOfPart, List<Piece> pieces) {
        int width = group.width();
        int whole = pieces.size();
        pieces.add(new Piece(id, group.x0, group.x1, group.x0, group.y0, group.x1, group.y1));
        if (width <= SPLIT_WIDTHS * typicalWidth || width <= SPLIT_HEIGHTS * height) {
            return new int[][] {{whole}};
        }
        int[] columns = new int[width];
        int pw = page.width();
        for (int y = group.y0; y <= group.y1; y++) {
            for (int x = group.x0; x <= group.x1; x++) {
                int label = labels[y * pw + x];
                if (label > 0 && groupOfPart[label] == id) {
                    columns[x - group.x0]++;
                }
            }
        }
        List<int[]> readings = new ArrayList<>();
        readings.add(new int[] {whole});
        int most = Math.min(MAX_CUT, Math.max(2, (int) Math.round(width / typicalWidth) + 1));
        for (int n = 2; n <= most; n++) {
            int[] cut = cut(group, id, n, columns, page, labels, groupOfPart, pieces);
            if (cut.length == n) {
                readings.add(cut);
            }
        }
        return readings.toArray(new int[0][]);
    }

    /** {@code n} pieces of a group, cut at the columns with least ink near even spacing; fewer if one is empty. */
    private static int[] cut(Group group, int id, int n, int[] columns, InkPage page, int[] labels, int[] groupOfPart,
                             List<Piece> pieces) {
        int width = group.width();
        List<Integer> cut = new ArrayList<>();
        int from = group.x0;
        double step = (double) width / n;
        for (int k = 1; k <= n; k++) {
            int to;
            if (k == n) {
                to = group.x1;
            } else {
                int expected = (int) Math.round(k * step);
                int window = Math.max(1, (int) (0.3 * step));
                int best = expected;
                double bestCost = Double.MAX_VALUE;
                for (int c = Math.max(1, expected - window); c <= Math.min(width - 2, expected + window); c++) {
                    // least ink, ties and near-ties to the evenly spaced position
                    double cost = columns[c] + 0.5 * Math.abs(c - expected) / window;
                    if (cost < bestCost) {
                        bestCost = cost;
                        best = c;
                    }
                }
                to = group.x0 + best - 1;
            }
            Piece piece = bounds(id, from, to, page, labels, groupOfPart, group);
            if (piece != null) {
                cut.add(pieces.size());
                pieces.add(piece);
            }
            from = to + 1;
        }
        return cut.stream().mapToInt(Integer::intValue).toArray();
    }

    private static Piece bounds(int id, int from, int to, InkPage page, int[] labels, int[] groupOfPart, Group group) {
        int x0 = Integer.MAX_VALUE;
        int y0 = Integer.MAX_VALUE;
        int x1 = -1;
        int y1 = -1;
        int pw = page.width();
        for (int y = group.y0; y <= group.y1; y++) {
            for (int x = from; x <= to; x++) {
                int label = labels[y * pw + x];
                if (label > 0 && groupOfPart[label] == id) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        return x1 < 0 ? null : new Piece(id, from, to, x0, y0, x1, y1);
    }

    private static double median(int[] values) {
        if (values.length == 0) {
            return 0;
        }
        int[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }
}
