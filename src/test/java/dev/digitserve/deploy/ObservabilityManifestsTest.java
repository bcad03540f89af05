package dev.digitserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.digitserve.support.Commands;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.DurationStyle;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The monitoring manifests in {@code k8s/observability/}: the dashboard ConfigMap is labelled for Grafana's sidecar
 * and holds a dashboard whose panels cover what operators need, every alert has a severity, a summary, a runbook in
 * the annotations and a runbook line in the README, and (where kubectl is installed) {@code kubectl kustomize}
 * renders both. That the queries match the service's metrics is checked against a running service by
 * {@code ObservabilityIT}; {@code KubernetesManifestsIT} parses these files with the others.
 */
class ObservabilityManifestsTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir"));
    private static final Path DIR = ROOT.resolve("k8s/observability");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static Yaml yaml() {
        return new Yaml(new SafeConstructor(new LoaderOptions()));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value) {
        return value == null ? List.of() : (List<Object>) value;
    }

    @Test
    void dashboardIsAGeneratedConfigMapForTheGrafanaSidecar() throws IOException {
        Map<String, Object> kustomization = yaml().load(Files.readString(DIR.resolve("kustomization.yaml")));
        List<Object> generators = list(kustomization.get("configMapGenerator"));
        assertThat(generators).hasSize(1);
        Map<String, Object> generator = map(generators.get(0));
        Map<String, Object> options = map(generator.get("options"));
        assertThat(map(options.get("labels"))).containsEntry("grafana_dashboard", "1");
        assertThat(options.get("disableNameSuffixHash")).isEqualTo(true);
        assertThat(list(generator.get("files"))).containsExactly("digitserve-dashboard.json");

        JsonNode dashboard = JSON.readTree(Files.readString(DIR.resolve("digitserve-dashboard.json")));
        assertThat(dashboard.get("uid").asString()).isEqualTo("digitserve");
        List<String> titles = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            titles.add(panel.get("title").asString());
            if (!panel.get("type").asString().equals("row")) {
                assertThat(panel.get("datasource").get("uid").asString()).as(panel.get("title").asString())
                        .isEqualTo("${datasource}");
                assertThat(panel.get("targets")).as(panel.get("title").asString()).isNotEmpty();
            }
        }
        assertThat(String.join("\n", titles)).contains("Throughput per model", "p50 / p95 / p99",
                "Queue wait vs compute", "Batch size distribution", "Queue depth", "Refusals by reason",
                "Training jobs by state", "JVM heap", "Off-heap");
    }

    @Test
    void everyAlertHasSeverityAnnotationsAndARunbookInTheReadme() throws IOException {
        Map<String, Object> rule = yaml().load(Files.readString(DIR.resolve("prometheusrule.yaml")));
        assertThat(rule.get("apiVersion")).isEqualTo("monitoring.coreos.com/v1");
        assertThat(rule.get("kind")).isEqualTo("PrometheusRule");
        String readme = Files.readString(ROOT.resolve("README.md"));
        String alertsSection = readme.substring(readme.indexOf("### Alerts"));
        List<String> names = new ArrayList<>();
        for (Object group : list(map(rule.get("spec")).get("groups"))) {
            for (Object item : list(map(group).get("rules"))) {
                Map<String, Object> alert = map(item);
                String name = (String) alert.get("alert");
                names.add(name);
                assertThat(alert.keySet()).as(name).isSubsetOf("alert", "expr", "for", "labels", "annotations");
                assertThat(map(alert.get("labels")).get("severity")).as(name).isIn("warning", "critical");
                assertThat(map(alert.get("annotations"))).as(name).containsKeys("summary", "description", "runbook");
                if (alert.get("for") != null) {
                    DurationStyle.detectAndParse(alert.get("for").toString());
                }
                assertThat(alertsSection).as("README runbook for " + name).contains("`" + name + "`");
            }
        }
        assertThat(names).contains("DigitserveHighP99Latency", "DigitserveRefusingRequests",
                "DigitserveModelLoadFailed", "DigitserveReadinessFlapping", "DigitserveOffHeapNearJavaCppLimit",
                "DigitservePhysicalMemoryNearJavaCppLimit");
        Map<String, Object> p99 = list(map(list(map(rule.get("spec")).get("groups")).get(0)).get("rules")).stream()
                .map(ObservabilityManifestsTest::map).filter(a -> a.get("alert").equals("DigitserveHighP99Latency"))
                .findFirst().orElseThrow();
        assertThat(p99.get("for")).isEqualTo("5m");
    }

    @Test
    void kustomizeRendersTheDashboardConfigMapAndTheRules() throws Exception {
        Assumptions.assumeTrue(Commands.kubectlAvailable(), "kubectl not installed: rendering skipped");
        String rendered = Commands.run("kubectl", "kustomize", DIR.toString());
        List<Map<String, Object>> documents = new ArrayList<>();
        for (Object document : yaml().loadAll(rendered)) {
            documents.add(map(document));
        }
        assertThat(documents).extracting(d -> d.get("kind")).containsExactlyInAnyOrder("ConfigMap", "PrometheusRule");
        Map<String, Object> configMap = documents.stream().filter(d -> d.get("kind").equals("ConfigMap"))
                .findFirst().orElseThrow();
        Map<String, Object> metadata = map(configMap.get("metadata"));
        assertThat(metadata.get("name")).isEqualTo("digitserve-dashboard");
        assertThat(map(metadata.get("labels"))).containsEntry("grafana_dashboard", "1")
                .containsEntry("app.kubernetes.io/part-of", "digitserve");
        assertThat(map(configMap.get("data")).get("digitserve-dashboard.json"))
                .isEqualTo(Files.readString(DIR.resolve("digitserve-dashboard.json")));
    }


}
