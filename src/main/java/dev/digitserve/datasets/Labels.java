package dev.digitserve.datasets;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The rules for label names and their order. A label is 1 to 32 characters of {@code [A-Za-z0-9_-]}; a dataset
 * has at most {@value #MAX_LABELS}. Labels are ordered digits first by value ("0".."9", then other numbers), then
 * the rest alphabetically, so that a dataset of digits indexes them like MNIST does.
 */
public final class Labels {
    public static final int MAX_LABELS = 100;
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    /** The labels of models whose card names none (the shipped digit models). */
    public static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    private static final Pattern NUMBER = Pattern.compile("[0-9]{1,9}");

    private Labels() {
    }

    public static boolean isValid(String label) {
        return label != null && NAME.matcher(label).matches();
    }

    /** The labels in dataset order. */
    public static List<String> ordered(Collection<String> labels) {
        List<String> sorted = new ArrayList<>(labels);
        sorted.sort(ORDER);
        return sorted;
    }

    private static final Comparator<String> ORDER = (a, b) -> {
        boolean na = NUMBER.matcher(a).matches();
        boolean nb = NUMBER.matcher(b).matches();
        if (na && nb) {
            int byValue = Integer.compare(Integer.parseInt(a), Integer.parseInt(b));
            return byValue != 0 ? byValue : a.compareTo(b);
        }
        if (na != nb) {
            return na ? -1 : 1;
        }
        return a.compareTo(b);
    };
}
