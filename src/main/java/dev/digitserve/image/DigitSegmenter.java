package dev.digitserve.image;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Finds the digits of a number written in a row on a cleaned {@link InkPage}, left to right. The steps,
 * all on the page's pixels at or above {@link #INK_LEVEL}:
 * <ol>
 * <li><b>Parts.</b> 8-connected components; specks under 2% of the largest part's area are set aside as
 * dust (those under 0.2% are noise and ignored).</li>
 * <li><b>Row.</b> The digit height {@code H} is the median height of the tall parts (at least half the
 * tallest); parts that do not overlap the band between the tall parts' median top and bottom (widened by
 * {@code H / 2}) are not in the row and are dropped.</li>
 * <li><b>Broken strokes.</b> Parts whose column ranges overlap by half the narrower one's width are one
 * digit (a "5" whose flag came loose, the two strokes of a "4"). Parts shorter than {@code H / 2} and
 * the dust of the row are chained while within {@code H / 4} of each other: a faint stroke that the ink
 * level broke into dashes and dots (a thin "1") becomes a digit again when the chain is as tall as
 * {@code H / 2} and holds as much ink as a part that counts. A short part left over joins the nearest
 * digit if it is within {@code H / 4} of it, and is dropped otherwise when shorter than {@code 0.35 H} (a
 * full stop, a dash).</li>
 * <li><b>Touching digits.</b> A group wider than {@code 0.55 H} may be touching digits. It is offered whole
 * and cut at candidate cuts: the columns with the least ink, at least {@code 0.1 H} apart and
 * {@code 0.1 H} from either end (up to 4 per {@code H} of width, at most 14). Every piece between two cuts (or an end) that is at most {@code 1.3 H}
 * wide is a candidate digit, with a prior from its shape ({@link Edge#prior()}). Which path of pieces
 * is the reading is left to the model ({@link Slot}): shape alone cannot tell a wide "5" from a touching
 * "17", nor a bold "8" from four "1"s.</li>
 * </ol>
 * A digit's crop holds its own ink and the faint edge pixels (below {@link #INK_LEVEL}) that touch it, but
 * no ink of its neighbours, so that each can be size-normalised and centred alone.
 *
 * <p>Cost is linear in the page's pixels plus, per wide group, its area times the slants tried and a small
 * power of its number of cuts (at most 14); memory is two {@code int} per page pixel. Stateless and
 * thread-safe; {@link Layout} is immutable.
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
    /** Groups narrower than this many row heights are read whole. */
    private static final double SPLIT_HEIGHTS = 0.55;
    /** No cut nearer than this (in row heights) to a group's end: narrower than the narrowest "1". */
    private static final double MIN_PIECE_WIDTH = 0.1;
    /** Candidate cuts are at least this far apart (row heights). */
    private static final double CUT_SPACING = 0.1;
    /** A piece wider than this (row heights) is not offered, except the whole group. */
    private static final double MAX_PIECE_WIDTH = 1.3;
    /** Bounds the inputs per group: candidate cuts per row height of its width, and in all. */
    private static final double MAX_CUTS_PER_HEIGHT = 4;
    private static final int MAX_CUTS = 14;
    /**
     * Slants of the cuts tried, in columns per row. Only upright cuts: slanted ones (up to 0.3 and 0.5 either
     * way) were measured and read fewer numbers, as they crowd out upright candidates; the machinery stays for
     * trying others.
     */
    private static final double[] SLANTS = {0};
    private static final int MAX_CHAINED = 64;
    /** Parts this small (share of the largest part's area) are noise, never part of a digit. */
    private static final double DUST_SHARE = 0.002;
    /** Prior of a piece ({@link Edge#prior()}): each tenth of {@code H} it is shorter than 0.75 H costs 1 (e^-1). */
    private static final double FULL_HEIGHT = 0.75;
    private static final double SHORT_WEIGHT = 10;
    /** ... and each tenth of {@code H} it is wider than 1.1 H. */
    private static final double FULL_WIDTH = 1.1;
    private static final double WIDE_WEIGHT = 10;
    /**
     * A cut through more ink than 1.5 strokes costs 1 per stroke: two touching digits meet in a point or
     * along one stroke, while a cut through the middle of a digit (a "0", a bold "8") goes through two or more.
     */
    private static final double CROSS_FREE = 1.5;
    private static final double CROSS_WEIGHT = 1;
    /** Per piece read: slightly favours cutting when the model is as sure of the pieces as of the whole. */
    private static final double PIECE_BONUS = 0.05;

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
     * One stroke group's possible readings, as a lattice: nodes {@code 0 .. nodes - 1} are its left edge,
     * the candidate cuts left to right, and its right edge; each {@link Edge} is a piece between two nodes
     * read as one digit. A reading is a path of edges from node 0 to the last node; the edge from the first
     * to the last node (the whole group as one digit) is always there. Edges are sorted by {@code from}.
     */
    public record Slot(int nodes, List<Edge> edges) {
        public Slot {
            edges = List.copyOf(edges);
        }
    }

    /**
     * A piece of a group between cut nodes {@code from < to}, read as model input {@code segment} (an index
     * into {@link Layout#segments()}); {@code prior} (at most 0, a natural log) weighs how much its shape looks
     * like one digit of the row: pieces shorter than the row's digits, wider than a digit, or cut through
     * several strokes weigh less.
     */
    public record Edge(int from, int to, int segment, double prior) {
    }

    /**
     * The digits found on a page, as {@link #slots()} left to right: a slot is one stroke group, read
     * either as one digit or, when it is wide enough to be touching digits, as several (see {@link Slot}).
     * {@link #slots()} is cheap, {@link #segments()} builds the crops.
     */
    public static final class Layout {
        private final InkPage page;
        private final int[] labels;
        private final int[] groupOfPart;
        private final List<Piece> pieces;
        private final List<Slot> slots;

        private Layout(InkPage page, int[] labels, int[] groupOfPart, List<Piece> pieces, List<Slot> slots) {
            this.page = page;
            this.labels = labels;
            this.groupOfPart = groupOfPart;
            this.pieces = pieces;
            this.slots = slots;
        }

        /** Per stroke group, left to right, its readings. */
        public List<Slot> slots() {
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
            return label > 0 && groupOfPart[label] == piece.group && piece.inside(x, p / page.width());
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
                    if (x < 0 || x >= pw || !piece.inside(x, y)) {
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

    /**
     * A straight cut through a group, upright or slanted ({@link #SLANTS}): a pixel (x, y) is right of it when
     * {@code x >= at(y)}; {@code x} is where it crosses row {@code mid}, {@code ink} the group's pixels on it.
     */
    private record Cut(double x, double slant, double mid, int ink) {
        int at(int y) {
            return (int) Math.round(x + slant * (y - mid));
        }
    }

    /** A digit: the parts of one group between two cuts, and its box. */
    private record Piece(int group, Cut left, Cut right, int x0, int y0, int x1, int y1) {
        /** Whether (x, y) is between the piece's cuts (a missing cut is the group's end). */
        boolean inside(int x, int y) {
            return (left == null || x >= left.at(y)) && (right == null || x < right.at(y));
        }
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
        List<Slot> slots = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            for (int part : groups.get(g).parts) {
                groupOfPart[part] = g + 1;
            }
        }
        if (!groups.isEmpty()) {
            double height = median(groups.stream().mapToInt(Group::height).toArray());
            for (int g = 0; g < groups.size(); g++) {
                slots.add(split(groups.get(g), g + 1, height, page, labels, groupOfPart, pieces));
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
        List<Integer> dust = new ArrayList<>();
        double minArea = Math.max(2, MIN_PART_SHARE * largest);
        for (int p = 1; p <= parts.count(); p++) {
            if (parts.area()[p] >= minArea) {
                kept.add(p);
            } else if (parts.area()[p] >= Math.max(2, DUST_SHARE * largest)) {
                dust.add(p);
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
        // a faint stroke that the ink level broke into dashes and dots is first put back together: short
        // pieces and the dust in the row near each other join, and together they may be a digit, when as
        // tall as one and with as much ink as a part that counts
        List<Group> loose = new ArrayList<>(fragments);
        dust.stream().filter(p -> parts.y1()[p] >= top && parts.y0()[p] <= bottom).forEach(p -> {
            Group group = new Group();
            group.add(p, parts);
            loose.add(group);
        });
        if (loose.size() > fragments.size()) {
            for (Group chained : chain(copies(loose, parts), FRAGMENT_GAP * height, parts)) {
                if (chained.height() >= FRAGMENT_HEIGHT * height && chained.area >= minArea) {
                    result.add(chained);
                    fragments.removeIf(f -> chained.parts.contains(f.parts.get(0)));
                }
            }
        }
        fragments = chain(fragments, FRAGMENT_GAP * height, parts);
        for (Group fragment : List.copyOf(fragments)) {
            if (fragment.height() >= FRAGMENT_HEIGHT * height) {
                fragments.remove(fragment);
                result.add(fragment);
            }
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

    private static List<Group> copies(List<Group> groups, Parts parts) {
        List<Group> out = new ArrayList<>(groups.size());
        for (Group group : groups) {
            Group copy = new Group();
            copy.absorb(group, parts);
            out.add(copy);
        }
        return out;
    }

    /**
     * Groups joined while any two are within {@code gap} of each other (both ways: the larger of the
     * horizontal and vertical gaps between their boxes). Quadratic, so only for the few short pieces of a
     * row; beyond {@link #MAX_CHAINED} they are left as they are.
     */
    private static List<Group> chain(List<Group> groups, double gap, Parts parts) {
        List<Group> out = new ArrayList<>(groups);
        if (out.size() > MAX_CHAINED) {
            return out;
        }
        boolean joined = true;
        while (joined) {
            joined = false;
            for (int i = 0; i < out.size() && !joined; i++) {
                for (int j = i + 1; j < out.size() && !joined; j++) {
                    Group a = out.get(i);
                    Group b = out.get(j);
                    int dx = Math.max(a.x0 - b.x1, b.x0 - a.x1);
                    int dy = Math.max(a.y0 - b.y1, b.y0 - a.y1);
                    if (Math.max(dx, dy) <= gap) {
                        a.absorb(b, parts);
                        out.remove(j);
                        joined = true;
                    }
                }
            }
        }
        return out;
    }

    /**
     * Step 4: the readings of a group: itself, and when it is wide enough to be touching digits, every way
     * of cutting it at candidate columns into pieces no wider than a digit. Candidates are the columns
     * with the least ink, each the least within {@code CUT_SPACING * height} on both sides. Adds the
     * pieces to {@code pieces} and returns the slot.
     */
    private static Slot split(Group group, int id, double height, InkPage page, int[] labels, int[] groupOfPart,
                              List<Piece> pieces) {
        int width = group.width();
        Piece whole = new Piece(id, null, null, group.x0, group.y0, group.x1, group.y1);
        List<Edge> edges = new ArrayList<>();
        if (width <= SPLIT_HEIGHTS * height) {
            edges.add(new Edge(0, 1, pieces.size(), prior(whole, height, 0)));
            pieces.add(whole);
            return new Slot(2, edges);
        }
        // stroke width from area and outline (a stroke of length L and width w has area L w and about 2 L
        // outline pixels), to measure how much ink a cut goes through in strokes
        long area = 0;
        long outline = 0;
        for (int y = group.y0; y <= group.y1; y++) {
            for (int x = group.x0; x <= group.x1; x++) {
                if (member(labels, groupOfPart, id, page, x, y)) {
                    area++;
                    if (!member(labels, groupOfPart, id, page, x - 1, y) || !member(labels, groupOfPart, id, page, x + 1, y)
                            || !member(labels, groupOfPart, id, page, x, y - 1)
                            || !member(labels, groupOfPart, id, page, x, y + 1)) {
                        outline++;
                    }
                }
            }
        }
        double stroke = Math.max(1, 2.0 * area / Math.max(1, outline));
        List<Cut> cuts = cutCandidates(group, id, height, page, labels, groupOfPart);
        int nodes = cuts.size() + 2;
        for (int from = 0; from < nodes - 1; from++) {
            Cut left = from == 0 ? null : cuts.get(from - 1);
            for (int to = from + 1; to < nodes; to++) {
                if (from == 0 && to == nodes - 1) {
                    edges.add(new Edge(from, to, pieces.size(), prior(whole, height, 0)));
                    pieces.add(whole);
                    continue;
                }
                Cut right = to == nodes - 1 ? null : cuts.get(to - 1);
                double leftX = left == null ? group.x0 : left.x();
                double rightX = right == null ? group.x1 + 1 : right.x();
                if (rightX - leftX > MAX_PIECE_WIDTH * height) {
                    break;
                }
                // cuts of different slants may cross inside the group: no piece between them
                if (left != null && right != null && (left.at(group.y0) >= right.at(group.y0)
                        || left.at(group.y1) >= right.at(group.y1))) {
                    continue;
                }
                Piece piece = bounds(id, left, right, page, labels, groupOfPart, group);
                if (piece != null) {
                    double crossed = right == null ? 0 : right.ink() / stroke;
                    edges.add(new Edge(from, to, pieces.size(), prior(piece, height, crossed)));
                    pieces.add(piece);
                }
            }
        }
        return new Slot(nodes, edges);
    }

    /**
     * Cuts to offer, left to right: straight lines at a few slants through every column, taken by increasing
     * ink (then the more upright first), each kept unless a kept one crosses the middle row within
     * {@code CUT_SPACING * height}, none nearer than {@code MIN_PIECE_WIDTH * height} to either end, at most
     * {@code MAX_CUTS_PER_HEIGHT} per digit height of width.
     */
    private static List<Cut> cutCandidates(Group group, int id, double height, InkPage page, int[] labels,
                                           int[] groupOfPart) {
        int width = group.width();
        int edge = Math.max(1, (int) Math.round(MIN_PIECE_WIDTH * height));
        int spacing = Math.max(1, (int) Math.round(CUT_SPACING * height));
        int most = Math.min(MAX_CUTS, (int) Math.ceil(MAX_CUTS_PER_HEIGHT * width / height));
        double mid = (group.y0 + group.y1) / 2.0;
        List<Cut> all = new ArrayList<>();
        for (double slant : SLANTS) {
            for (int c = edge; c <= width - edge; c++) {
                Cut cut = new Cut(group.x0 + c, slant, mid, 0);
                int ink = 0;
                for (int y = group.y0; y <= group.y1; y++) {
                    ink += member(labels, groupOfPart, id, page, cut.at(y), y) ? 1 : 0;
                }
                all.add(new Cut(group.x0 + c, slant, mid, ink));
            }
        }
        double centre = group.x0 + width / 2.0;
        all.sort(Comparator.comparingInt(Cut::ink).thenComparingDouble(cut -> Math.abs(cut.slant()))
                .thenComparingDouble(cut -> Math.abs(cut.x() - centre)));
        List<Cut> kept = new ArrayList<>();
        for (Cut cut : all) {
            if (kept.size() == most) {
                break;
            }
            boolean near = false;
            for (Cut k : kept) {
                near |= Math.abs(k.x() - cut.x()) < spacing;
            }
            if (!near) {
                kept.add(cut);
            }
        }
        kept.sort(Comparator.comparingDouble(Cut::x));
        return kept;
    }

    private static boolean member(int[] labels, int[] groupOfPart, int id, InkPage page, int x, int y) {
        if (x < 0 || y < 0 || x >= page.width() || y >= page.height()) {
            return false;
        }
        int label = labels[y * page.width() + x];
        return label > 0 && groupOfPart[label] == id;
    }

    private static double prior(Piece piece, double height, double crossed) {
        double h = (piece.y1 - piece.y0 + 1) / height;
        double w = (piece.x1 - piece.x0 + 1) / height;
        return -SHORT_WEIGHT * Math.max(0, FULL_HEIGHT - h) - WIDE_WEIGHT * Math.max(0, w - FULL_WIDTH)
                - CROSS_WEIGHT * Math.max(0, crossed - CROSS_FREE) + PIECE_BONUS;
    }

    private static Piece bounds(int id, Cut left, Cut right, InkPage page, int[] labels, int[] groupOfPart,
                                Group group) {
        int x0 = Integer.MAX_VALUE;
        int y0 = Integer.MAX_VALUE;
        int x1 = -1;
        int y1 = -1;
        int pw = page.width();
        for (int y = group.y0; y <= group.y1; y++) {
            int from = left == null ? group.x0 : Math.max(group.x0, left.at(y));
            int to = right == null ? group.x1 : Math.min(group.x1, right.at(y) - 1);
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
        return x1 < 0 ? null : new Piece(id, left, right, x0, y0, x1, y1);
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
