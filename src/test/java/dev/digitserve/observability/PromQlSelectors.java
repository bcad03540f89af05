package dev.digitserve.observability;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pulls the metric selectors and grouping labels out of a PromQL expression (or a Grafana {@code label_values}
 * query) with regular expressions. Not a PromQL parser: it does not check syntax or semantics, only finds
 * {@code name{label op "value", ...}}, bare metric names, and the label lists of {@code by}, {@code without},
 * {@code on}, {@code ignoring}, {@code group_left} and {@code group_right}. Good enough for the queries in
 * {@code k8s/observability/}, which a test compares with the service's real {@code /actuator/prometheus} output.
 */
final class PromQlSelectors {
    record LabelMatcher(String label, String op, String value) {
    }

    record Selector(String metric, List<LabelMatcher> matchers) {
    }

    record Parsed(List<Selector> selectors, Set<String> groupingLabels) {
    }

    private static final String IDENT = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern SELECTOR = Pattern.compile("(" + IDENT + ")?\\s*\\{([^}]*)}");
    private static final Pattern MATCHER = Pattern.compile(
            "([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPING = Pattern.compile(
            "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
    /** Numbers and durations ({@code offset 5m}); the lookbehind keeps digits inside metric names. */
    private static final Pattern NUMBER = Pattern.compile(
            "(?<![a-zA-Z0-9_:])\\d+(\\.\\d+)?([eE][+-]?\\d+)?(ms|[smhdwy])*");
    private static final Pattern TOKEN = Pattern.compile("(" + IDENT + ")(\\s*\\()?");
    private static final Pattern LABEL_VALUES = Pattern.compile(
            "^\\s*label_values\\(\\s*(" + IDENT + ")\\s*,\\s*(" + IDENT + ")\\s*\\)\\s*$");
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right", "bool", "and", "or", "unless", "offset", "atan2", "Inf", "NaN", "inf", "nan");

    private PromQlSelectors() {
    }

    static Parsed parse(String expression) {
        Matcher labelValues = LABEL_VALUES.matcher(expression);
        if (labelValues.matches()) {
            return new Parsed(List.of(new Selector(labelValues.group(1), List.of())), Set.of(labelValues.group(2)));
        }
        List<Selector> selectors = new ArrayList<>();
        StringBuilder rest = new StringBuilder();
        Matcher selector = SELECTOR.matcher(expression);
        int last = 0;
        while (selector.find()) {
            if (selector.group(1) == null) {
                throw new IllegalArgumentException("selector without a metric name in: " + expression);
            }
            List<LabelMatcher> matchers = new ArrayList<>();
            Matcher m = MATCHER.matcher(selector.group(2));
            while (m.find()) {
                matchers.add(new LabelMatcher(m.group(1), m.group(2), m.group(3)));
            }
            selectors.add(new Selector(selector.group(1), matchers));
            rest.append(expression, last, selector.start()).append(' ');
            last = selector.end();
        }
        rest.append(expression.substring(last));

        String stripped = STRING.matcher(rest).replaceAll(" ");
        stripped = RANGE.matcher(stripped).replaceAll(" ");
        Set<String> grouping = new LinkedHashSet<>();
        Matcher group = GROUPING.matcher(stripped);
        StringBuilder withoutGrouping = new StringBuilder();
        last = 0;
        while (group.find()) {
            for (String label : group.group(2).split(",")) {
                if (!label.isBlank()) {
                    grouping.add(label.trim());
                }
            }
            withoutGrouping.append(stripped, last, group.start()).append(' ');
            last = group.end();
        }
        withoutGrouping.append(stripped.substring(last));
        String tokens = NUMBER.matcher(withoutGrouping).replaceAll(" ");

        Matcher token = TOKEN.matcher(tokens);
        while (token.find()) {
            boolean call = token.group(2) != null;
            if (!call && !KEYWORDS.contains(token.group(1))) {
                selectors.add(new Selector(token.group(1), List.of()));
            }
        }
        return new Parsed(selectors, grouping);
    }
}
