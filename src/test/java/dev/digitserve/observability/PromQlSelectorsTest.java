package dev.digitserve.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class PromQlSelectorsTest {

    @Test
    void findsSelectorsMatchersAndGroupingLabels() {
        PromQlSelectors.Parsed parsed = PromQlSelectors.parse("""
                histogram_quantile(0.99, sum by (le, model) (rate(a_seconds_bucket{outcome="success",model=~"$model"}[5m])))
                  / on (model) group_left
                sum without (instance) (b_total) > 0.5 and changes(c[15m]) offset 5m
                """);
        assertThat(parsed.selectors()).extracting(PromQlSelectors.Selector::metric)
                .containsExactly("a_seconds_bucket", "b_total", "c");
        assertThat(parsed.selectors().get(0).matchers()).containsExactly(
                new PromQlSelectors.LabelMatcher("outcome", "=", "success"),
                new PromQlSelectors.LabelMatcher("model", "=~", "$model"));
        assertThat(parsed.groupingLabels()).containsExactly("le", "model", "instance");
    }

    @Test
    void readsGrafanaLabelValues() {
        PromQlSelectors.Parsed parsed = PromQlSelectors.parse("label_values(x_count, model)");
        assertThat(parsed.selectors()).extracting(PromQlSelectors.Selector::metric).isEqualTo(List.of("x_count"));
        assertThat(parsed.groupingLabels()).containsExactly("model");
    }
}
