package dev.digitserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.digitserve.support.Commands;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPPathMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checks that the Kubernetes manifests in {@code k8s/} (and the Dockerfile they run) agree with the
 * application: every document is parsed into fabric8's typed Kubernetes / Gateway API model with no field
 * left over in any {@code additionalProperties} (a misspelt or misplaced key fails here, not at
 * {@code kubectl apply}), and ports, probe paths, the metrics path, the gateway route, the security
 * context and the GPU variant are compared with {@code application.yml}, the controllers and the
 * Dockerfile.
 *
 * <p>Reads the files directly: kustomize is not needed. Base resources, overlay patches and the training
 * Job are checked separately; when {@code kubectl} is installed, {@link #renderedOverlaysParseAndDiffer()}
 * also renders both overlays and checks the result.
 */
class KubernetesManifestsIT {
    private static final Path ROOT = Path.of(System.getProperty("user.dir"));
    private static final Path K8S = ROOT.resolve("k8s");
    /** Fabric8's models are Jackson 3 beans: YAML is read with SnakeYAML (already on the class path) into maps. */
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** apiVersion/kind to the typed model class; ServiceMonitor is a CRD with no model in fabric8 8. */
    private static final Map<String, Class<? extends HasMetadata>> TYPES = Map.ofEntries(
            Map.entry("v1/ServiceAccount", ServiceAccount.class),
            Map.entry("v1/PersistentVolumeClaim", PersistentVolumeClaim.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("batch/v1/Job", Job.class),
            Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
            Map.entry("gateway.networking.k8s.io/v1/HTTPRoute", HTTPRoute.class),
            Map.entry("gateway.networking.k8s.io/v1/GRPCRoute", GRPCRoute.class),
            Map.entry("monitoring.coreos.com/v1/ServiceMonitor", GenericKubernetesResource.class),
            Map.entry("monitoring.coreos.com/v1/PrometheusRule", GenericKubernetesResource.class));

    private static Map<String, Object> appConfig;
    private static Map<String, Object> clusterConfig;
    private static List<HasMetadata> base;
    private static String dockerfile;

    @BeforeAll
    static void load() throws IOException {
        appConfig = readMap(ROOT.resolve("src/main/resources/application.yml"));
        clusterConfig = readMap(K8S.resolve("base/application.yml"));
        base = new ArrayList<>();
        for (String resource : stringList(readMap(K8S.resolve("base/kustomization.yaml")), "resources")) {
            base.addAll(parseTyped(K8S.resolve("base").resolve(resource)));
        }
        dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
    }

    // ---- the application's side -------------------------------------------------------------------

    private static int serverPort() {
        Object port = setting("server.port");
        return port == null ? 8080 : Integer.parseInt(port.toString());
    }

    private static String actuatorBase() {
        Object basePath = setting("management.endpoints.web.base-path");
        return basePath == null ? "/actuator" : basePath.toString();
    }

    /** A setting as the running pod sees it: the ConfigMap's application.yml over the packaged one. */
    private static Object setting(String key) {
        Object value = lookup(clusterConfig, key);
        return value != null ? value : lookup(appConfig, key);
    }

    private static Set<String> exposedEndpoints() {
        Object include = lookup(appConfig, "management.endpoints.web.exposure.include");
        Set<String> exposed = new LinkedHashSet<>();
        for (String id : String.valueOf(include).split(",")) {
            exposed.add(id.trim());
        }
        return exposed;
    }

    @Test
    void actuatorExposesWhatTheManifestsUse() {
        assertThat(exposedEndpoints()).contains("health", "prometheus");
        assertThat(lookup(appConfig, "management.endpoint.health.probes.enabled")).isEqualTo(true);
        // the groups behind /actuator/health/liveness and /readiness; readiness must include the models and the
        // warm-up of the request path (no traffic to a cold JVM)
        assertThat(String.valueOf(lookup(appConfig, "management.endpoint.health.group.liveness.include")))
                .contains("livenessState");
        assertThat(String.valueOf(lookup(appConfig, "management.endpoint.health.group.readiness.include")))
                .contains("readinessState").contains("models").contains("warmup");
        assertThat(lookup(clusterConfig, "digitserve.warmup.max-time")).as("the cluster bounds the warm-up").isNotNull();
        assertThat(lookup(clusterConfig, "server.port")).as("the ConfigMap must not move the port").isNull();
    }

    // ---- every document parses into its typed model with nothing left over --------------------------

    @Test
    void everyManifestParsesWithoutUnknownFields() throws IOException {
        List<Path> files = new ArrayList<>();
        for (String dir : List.of("base", "overlays/cpu", "overlays/gpu", "training", "examples", "observability")) {
            try (var stream = Files.list(K8S.resolve(dir))) {
                stream.filter(p -> p.toString().endsWith(".yaml"))
                        .filter(p -> !p.getFileName().toString().equals("kustomization.yaml"))
                        .sorted().forEach(files::add);
            }
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(13);
        for (Path file : files) {
            assertThat(parseTyped(file)).as(file.toString()).isNotEmpty();
        }
    }

    @Test
    void aMisspeltOrMisplacedFieldIsCaught() {
        String typo = """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: typo
                spec:
                  template:
                    spec:
                      containers:
                        - name: digitserve
                          readinesProbe:
                            httpGet:
                              path: /actuator/health/readiness
                """;
        assertThatThrownBy(() -> parseTyped(typo, "typo.yaml"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("readinesProbe");
        String misplaced = """
                apiVersion: v1
                kind: Service
                metadata:
                  name: misplaced
                  selector:
                    app: x
                """;
        assertThatThrownBy(() -> parseTyped(misplaced, "misplaced.yaml"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("selector");
    }

    @Test
    void kustomizationsReferenceExistingFiles() {
        for (String dir : List.of("base", "overlays/cpu", "overlays/gpu", "training", "observability")) {
            Map<String, Object> kustomization = readMap(K8S.resolve(dir).resolve("kustomization.yaml"));
            assertThat(kustomization.get("kind")).isEqualTo("Kustomization");
            for (String resource : stringList(kustomization, "resources")) {
                assertThat(K8S.resolve(dir).resolve(resource)).as(dir + ": " + resource).exists();
            }
            for (Object patch : list(kustomization, "patches")) {
                assertThat(K8S.resolve(dir).resolve((String) ((Map<?, ?>) patch).get("path"))).exists();
            }
            for (Object generator : list(kustomization, "configMapGenerator")) {
                for (Object file : (List<?>) ((Map<?, ?>) generator).get("files")) {
                    assertThat(K8S.resolve(dir).resolve(file.toString())).exists();
                }
            }
        }
    }

    // ---- Deployment -----------------------------------------------------------------------------------

    @Test
    void deploymentServesOnTheApplicationPortWithProbesOnTheHealthGroups() {
        Container container = servingContainer(only(base, Deployment.class));
        ContainerPort http = namedPort(container, "http");
        assertThat(http.getContainerPort()).isEqualTo(serverPort());
        assertThat(dockerfile).contains("EXPOSE " + serverPort());

        assertHttpProbe(container.getStartupProbe(), actuatorBase() + "/health/liveness", container);
        assertHttpProbe(container.getLivenessProbe(), actuatorBase() + "/health/liveness", container);
        assertHttpProbe(container.getReadinessProbe(), actuatorBase() + "/health/readiness", container);
        // the startup probe covers native-library unpacking and model loading before liveness may kill
        Probe startup = container.getStartupProbe();
        assertThat(startup.getPeriodSeconds() * startup.getFailureThreshold()).isGreaterThanOrEqualTo(120);
    }

    @Test
    void deploymentRunsNonRootOnAReadOnlyRootFileSystem() {
        Deployment deployment = only(base, Deployment.class);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        PodSecurityContext podSecurity = pod.getSecurityContext();
        assertThat(podSecurity.getRunAsNonRoot()).isTrue();
        assertThat(podSecurity.getRunAsUser()).isPositive();
        assertThat(podSecurity.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        // the image's USER is the same uid, so the image also runs non-root outside Kubernetes
        assertThat(dockerfile).contains("USER " + podSecurity.getRunAsUser() + ":" + podSecurity.getRunAsGroup());

        List<Container> all = new ArrayList<>(pod.getContainers());
        all.addAll(pod.getInitContainers());
        for (Container container : all) {
            assertRestricted(container.getName(), container.getSecurityContext());
        }
    }

    @Test
    void everyPathTheJvmWritesIsAWritableVolume() {
        Deployment deployment = only(base, Deployment.class);
        Container container = servingContainer(deployment);
        Map<String, VolumeMount> mounts = new LinkedHashMap<>();
        container.getVolumeMounts().forEach(m -> mounts.put(m.getMountPath(), m));
        Map<String, Volume> volumes = new LinkedHashMap<>();
        deployment.getSpec().getTemplate().getSpec().getVolumes().forEach(v -> volumes.put(v.getName(), v));

        for (String property : List.of("java.io.tmpdir", "org.bytedeco.javacpp.cachedir")) {
            String dir = jvmOption(property);
            VolumeMount mount = mounts.values().stream()
                    .filter(m -> dir.equals(m.getMountPath()) || dir.startsWith(m.getMountPath() + "/"))
                    .findFirst().orElseThrow(() -> new AssertionError(property + "=" + dir + " is on no volume"));
            assertThat(mount.getReadOnly()).as(property).isNotEqualTo(Boolean.TRUE);
            assertThat(volumes.get(mount.getName()).getEmptyDir()).as(property + " on an emptyDir").isNotNull();
        }
    }

    @Test
    void deploymentDrainsBeforeItIsKilled() {
        Deployment deployment = only(base, Deployment.class);
        Container container = servingContainer(deployment);
        assertThat(setting("server.shutdown")).isEqualTo("graceful");
        Duration shutdownPhase = DurationStyle.detectAndParse(
                String.valueOf(setting("spring.lifecycle.timeout-per-shutdown-phase")));
        List<String> preStop = container.getLifecycle().getPreStop().getExec().getCommand();
        assertThat(preStop.get(0)).isEqualTo("sleep");
        long preStopSeconds = Long.parseLong(preStop.get(1));
        assertThat(preStopSeconds).isBetween(1L, 15L);
        // the connection drain (ShutdownDrain) runs in its own lifecycle phase, before the web server's
        Duration drain = DurationStyle.detectAndParse(String.valueOf(setting("digitserve.shutdown.drain-time")));
        assertThat(deployment.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds())
                .isGreaterThan(preStopSeconds + drain.toSeconds() + shutdownPhase.toSeconds());
    }

    @Test
    void deploymentReadsConfigModelsAndApiKeysFromWhereTheAppLooks() {
        Deployment deployment = only(base, Deployment.class);
        Container container = servingContainer(deployment);
        Map<String, EnvVar> env = new LinkedHashMap<>();
        container.getEnv().forEach(e -> env.put(e.getName(), e));

        // API keys: a Secret reference bound by relaxed binding to digitserve.security.api-keys
        var secret = env.get("DIGITSERVE_SECURITY_API_KEYS").getValueFrom().getSecretKeyRef();
        assertThat(secret.getName()).isNotBlank();
        assertThat(secret.getKey()).isNotBlank();

        // the ConfigMap is mounted where SPRING_CONFIG_ADDITIONAL_LOCATION points
        String location = env.get("SPRING_CONFIG_ADDITIONAL_LOCATION").getValue()
                .replaceFirst("^optional:", "").replaceFirst("^file:", "");
        VolumeMount config = mount(container, "config");
        assertThat(location).isEqualTo(config.getMountPath() + "/");
        Volume configVolume = volume(deployment, "config");
        assertThat(configVolume.getConfigMap().getName()).isEqualTo("digitserve-config");

        // models: the directory the ConfigMap configures is the shared claim, mounted read-only
        String modelsDir = String.valueOf(lookup(clusterConfig, "digitserve.models.dir"));
        VolumeMount models = mount(container, "models");
        assertThat(models.getMountPath()).isEqualTo(modelsDir);
        assertThat(models.getReadOnly()).isTrue();
        assertThat(dockerfile).contains("DIGITSERVE_MODELS_DIR=" + modelsDir);
        String claim = volume(deployment, "models").getPersistentVolumeClaim().getClaimName();
        PersistentVolumeClaim pvc = named(base, PersistentVolumeClaim.class, claim);
        assertThat(pvc.getSpec().getAccessModes()).contains("ReadWriteMany");

        // memory: a limit (ND4J works off-heap, sized from it) and requests no larger than limits
        Map<String, Quantity> limits = container.getResources().getLimits();
        Map<String, Quantity> requests = container.getResources().getRequests();
        assertThat(limits).containsKey("memory");
        for (String resource : requests.keySet()) {
            if (limits.containsKey(resource)) {
                assertThat(Quantity.getAmountInBytes(requests.get(resource)))
                        .as(resource).isLessThanOrEqualTo(Quantity.getAmountInBytes(limits.get(resource)));
            }
        }
    }

    // ---- Service, ServiceMonitor, PDB, HPA ---------------------------------------------------------

    @Test
    void serviceSelectsThePodsAndTargetsTheNamedPort() {
        Deployment deployment = only(base, Deployment.class);
        Service service = only(base, Service.class);
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(deployment.getSpec().getSelector().getMatchLabels())
                .isEqualTo(service.getSpec().getSelector());
        ServicePort port = servicePort(service, "http");
        IntOrString target = port.getTargetPort();
        int resolved = target.getIntVal() != null ? target.getIntVal()
                : namedPort(servingContainer(deployment), target.getStrVal()).getContainerPort();
        assertThat(resolved).isEqualTo(serverPort());
    }

    @Test
    void serviceMonitorScrapesThePrometheusEndpoint() {
        GenericKubernetesResource monitor = base.stream().filter(r -> r.getKind().equals("ServiceMonitor"))
                .map(GenericKubernetesResource.class::cast).findFirst().orElseThrow();
        assertThat(monitor.getAdditionalProperties()).containsOnlyKeys("spec");
        Map<String, Object> spec = monitor.get("spec");
        assertThat(spec.keySet()).isSubsetOf("selector", "endpoints", "namespaceSelector", "jobLabel");
        Service service = only(base, Service.class);
        Map<String, Object> matchLabels = monitor.get("spec", "selector", "matchLabels");
        assertThat(service.getMetadata().getLabels()).containsAllEntriesOf(stringMap(matchLabels));

        List<Map<String, Object>> endpoints = monitor.get("spec", "endpoints");
        assertThat(endpoints).isNotEmpty();
        for (Map<String, Object> endpoint : endpoints) {
            assertThat(endpoint.keySet()).isSubsetOf("port", "path", "interval", "scrapeTimeout", "scheme");
            assertThat(endpoint.get("path")).isEqualTo(actuatorBase() + "/prometheus");
            servicePort(service, (String) endpoint.get("port"));
            assertThat(DurationStyle.detectAndParse((String) endpoint.get("scrapeTimeout")))
                    .isLessThan(DurationStyle.detectAndParse((String) endpoint.get("interval")));
        }
        assertThat(exposedEndpoints()).contains("prometheus");
    }

    @Test
    void disruptionBudgetAndAutoscalerTargetTheDeployment() {
        Deployment deployment = only(base, Deployment.class);
        PodDisruptionBudget pdb = only(base, PodDisruptionBudget.class);
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
        assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);

        HorizontalPodAutoscaler hpa = only(base, HorizontalPodAutoscaler.class);
        assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(deployment.getMetadata().getName());
        assertThat(hpa.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(2);
        assertThat(hpa.getSpec().getMetrics()).anySatisfy(metric ->
                assertThat(metric.getResource().getName()).isEqualTo("cpu"));

        HorizontalPodAutoscaler queueDepth = only(parseTyped(K8S.resolve("examples/hpa-queue-depth.yaml")),
                HorizontalPodAutoscaler.class);
        // Micrometer's gauge digitserve.batch.queue.depth, as Prometheus names it
        assertThat(queueDepth.getSpec().getMetrics().get(0).getPods().getMetric().getName())
                .isEqualTo("digitserve_batch_queue_depth");
    }

    // ---- Gateway API --------------------------------------------------------------------------------

    @Test
    void routeSendsThePublicPathsToTheServiceAndKeepsActuatorPrivate() {
        HTTPRoute route = only(base, HTTPRoute.class);
        Service service = only(base, Service.class);
        List<HTTPPathMatch> paths = new ArrayList<>();
        for (HTTPRouteRule rule : route.getSpec().getRules()) {
            assertThat(rule.getBackendRefs()).isNotEmpty();
            for (HTTPBackendRef backend : rule.getBackendRefs()) {
                assertThat(Objects.requireNonNullElse(backend.getKind(), "Service")).isEqualTo("Service");
                assertThat(Objects.requireNonNullElse(backend.getGroup(), "")).isEmpty();
                assertThat(backend.getName()).isEqualTo(service.getMetadata().getName());
                assertThat(service.getSpec().getPorts()).extracting(ServicePort::getPort)
                        .contains(backend.getPort());
            }
            for (HTTPRouteMatch match : rule.getMatches()) {
                assertThat(match.getPath()).as("every match names a path").isNotNull();
                assertThat(match.getPath().getType()).isIn("Exact", "PathPrefix");
                paths.add(match.getPath());
            }
        }

        String swaggerUi = String.valueOf(lookup(appConfig, "springdoc.swagger-ui.path"));
        String apiDocs = String.valueOf(lookup(appConfig, "springdoc.api-docs.path"));
        for (String publicPath : List.of("/api/v1/models", "/api/v1/models/cnn/predict",
                "/api/v1/training-jobs/42", "/v2", "/v2/health/ready", "/v2/models/cnn/infer",
                swaggerUi, "/swagger-ui/index.html", apiDocs, apiDocs + "/swagger-config")) {
            assertThat(routed(paths, publicPath)).as(publicPath + " is routed").isTrue();
        }
        for (String privatePath : List.of(actuatorBase(), actuatorBase() + "/health",
                actuatorBase() + "/health/readiness", actuatorBase() + "/prometheus", actuatorBase() + "/info",
                "/", "/error", "/api/v10", "/v2x")) {
            assertThat(routed(paths, privatePath)).as(privatePath + " stays private").isFalse();
        }
    }

    /** The V2 gRPC port: container port, Service port and GRPCRoute agree with digitserve.grpc.port and EXPOSE. */
    @Test
    void grpcRouteReachesTheGrpcPortOfTheService() {
        Object configured = setting("digitserve.grpc.port");
        int grpcPort = configured == null ? 8081 : Integer.parseInt(configured.toString());
        assertThat(grpcPort).as("digitserve.grpc.port is enabled").isPositive();
        Deployment deployment = only(base, Deployment.class);
        Service service = only(base, Service.class);
        ServicePort port = servicePort(service, "grpc");
        IntOrString target = port.getTargetPort();
        int resolved = target.getIntVal() != null ? target.getIntVal()
                : namedPort(servingContainer(deployment), target.getStrVal()).getContainerPort();
        assertThat(resolved).isEqualTo(grpcPort);
        assertThat(port.getAppProtocol()).isEqualTo("kubernetes.io/h2c");
        assertThat(dockerfile).contains("EXPOSE " + serverPort() + " " + grpcPort);

        GRPCRoute route = only(base, GRPCRoute.class);
        assertThat(route.getSpec().getRules()).isNotEmpty();
        for (GRPCRouteRule rule : route.getSpec().getRules()) {
            assertThat(rule.getMatches()).extracting(match -> match.getMethod().getService())
                    .containsOnly("inference.GRPCInferenceService");
            for (GRPCBackendRef backend : rule.getBackendRefs()) {
                assertThat(Objects.requireNonNullElse(backend.getKind(), "Service")).isEqualTo("Service");
                assertThat(backend.getName()).isEqualTo(service.getMetadata().getName());
                assertThat(backend.getPort()).isEqualTo(port.getPort());
            }
        }
    }

    @Test
    void routeCoversEveryControllerMapping() throws ClassNotFoundException {
        HTTPRoute route = only(base, HTTPRoute.class);
        List<HTTPPathMatch> paths = route.getSpec().getRules().stream()
                .flatMap(rule -> rule.getMatches().stream()).map(HTTPRouteMatch::getPath).toList();
        var scanner = new ClassPathScanningCandidateComponentProvider(false);
        scanner.addIncludeFilter(new AnnotationTypeFilter(RestController.class));
        List<String> mappings = new ArrayList<>();
        for (BeanDefinition candidate : scanner.findCandidateComponents("dev.digitserve")) {
            Class<?> controller = Class.forName(candidate.getBeanClassName(), false, getClass().getClassLoader());
            RequestMapping classMapping = AnnotatedElementUtils.findMergedAnnotation(controller, RequestMapping.class);
            String prefix = classMapping == null || classMapping.path().length == 0 ? "" : classMapping.path()[0];
            for (Method method : controller.getDeclaredMethods()) {
                RequestMapping mapping = AnnotatedElementUtils.findMergedAnnotation(method, RequestMapping.class);
                if (mapping == null) {
                    continue;
                }
                String[] methodPaths = mapping.path().length == 0 ? new String[] {""} : mapping.path();
                for (String path : methodPaths) {
                    mappings.add((prefix + path).replaceAll("\\{[^}]+}", "x"));
                }
            }
        }
        assertThat(mappings).as("controllers found").isNotEmpty();
        for (String mapping : mappings) {
            assertThat(routed(paths, mapping)).as(mapping + " is routed by the HTTPRoute").isTrue();
        }
    }

    /** Gateway API path matching: Exact is equality, PathPrefix matches whole path elements. */
    private static boolean routed(List<HTTPPathMatch> matches, String path) {
        for (HTTPPathMatch match : matches) {
            String value = match.getValue();
            if (match.getType().equals("Exact") && path.equals(value)) {
                return true;
            }
            if (match.getType().equals("PathPrefix")) {
                String prefix = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
                if (prefix.isEmpty() || path.equals(prefix) || path.startsWith(prefix + "/")) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---- overlays -----------------------------------------------------------------------------------

    @Test
    void gpuOverlayRequestsAGpuAndUsesTheCudaImage() {
        Path gpu = K8S.resolve("overlays/gpu");
        Deployment patch = only(parseTyped(gpu.resolve("deployment-gpu.yaml")), Deployment.class);
        Deployment deployment = only(base, Deployment.class);
        assertThat(patch.getMetadata().getName()).isEqualTo(deployment.getMetadata().getName());
        Container container = servingContainer(patch);
        assertThat(container.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"));
        PodSpec pod = patch.getSpec().getTemplate().getSpec();
        assertThat(pod.getTolerations()).anySatisfy(t -> assertThat(t.getKey()).isEqualTo("nvidia.com/gpu"));
        assertThat(pod.getNodeSelector()).isNotEmpty();
        // the patched volume exists in the base (a typo would add a second, unused volume)
        for (Volume volume : pod.getVolumes()) {
            volume(deployment, volume.getName());
        }

        String baseImage = servingContainer(deployment).getImage();
        Map<String, Object> image = onlyImage(readMap(gpu.resolve("kustomization.yaml")));
        assertThat(image.get("name")).isEqualTo(baseImage);
        assertThat(String.valueOf(image.get("newTag"))).contains("cuda");
        assertThat(dockerfile).containsPattern("(?m)^FROM .* AS cuda$").contains("-Pcuda");

        // GPU batching is larger than the CPU default
        Map<String, Object> gpuConfig = readMap(gpu.resolve("application.yml"));
        assertThat((Integer) lookup(gpuConfig, "digitserve.batching.max-batch-size"))
                .isGreaterThan((Integer) lookup(clusterConfig, "digitserve.batching.max-batch-size"));
        assertThat(lookup(gpuConfig, "digitserve.models.dir")).isEqualTo(lookup(clusterConfig, "digitserve.models.dir"));
    }

    @Test
    void cpuOverlayUsesTheCpuImage() {
        Map<String, Object> image = onlyImage(readMap(K8S.resolve("overlays/cpu/kustomization.yaml")));
        assertThat(image.get("name")).isEqualTo(servingContainer(only(base, Deployment.class)).getImage());
        assertThat(String.valueOf(image.get("newTag"))).doesNotContain("cuda");
    }

    // ---- training Job -------------------------------------------------------------------------------

    @Test
    void trainingJobWritesANewVersionToTheServedVolume() {
        Job job = only(parseTyped(K8S.resolve("training/job-train-cnn.yaml")), Job.class);
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        Container train = pod.getContainers().get(0);
        assertRestricted(train.getName(), train.getSecurityContext());
        assertThat(train.getArgs().get(0)).isEqualTo("train");
        Map<String, String> options = new LinkedHashMap<>();
        for (String arg : train.getArgs().subList(1, train.getArgs().size())) {
            String[] pair = arg.replaceFirst("^--", "").split("=", 2);
            options.put(pair[0], pair[1]);
        }
        assertThat(options).containsKeys("model", "models-dir", "data-dir");
        assertThat(options.get("model")).isIn("cnn", "lasso");

        // same image, same claim, writable, at the directory the serving pods read
        Deployment deployment = only(base, Deployment.class);
        assertThat(train.getImage()).isEqualTo(servingContainer(deployment).getImage());
        String servedClaim = volume(deployment, "models").getPersistentVolumeClaim().getClaimName();
        VolumeMount models = train.getVolumeMounts().stream()
                .filter(m -> m.getMountPath().equals(options.get("models-dir"))).findFirst().orElseThrow();
        assertThat(models.getReadOnly()).isNotEqualTo(Boolean.TRUE);
        Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(models.getName()))
                .findFirst().orElseThrow();
        assertThat(volume.getPersistentVolumeClaim().getClaimName()).isEqualTo(servedClaim);
        assertThat(options.get("models-dir")).isEqualTo(lookup(clusterConfig, "digitserve.models.dir"));

        // the MNIST files land where the training command looks, before it starts
        assertThat(pod.getInitContainers()).anySatisfy(init -> assertThat(init.getVolumeMounts())
                .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo(options.get("data-dir"))));
        // the same writable directories as the service (read-only root file system)
        for (String property : List.of("java.io.tmpdir", "org.bytedeco.javacpp.cachedir")) {
            String dir = jvmOption(property);
            assertThat(train.getVolumeMounts()).as(property)
                    .anySatisfy(m -> assertThat(dir.equals(m.getMountPath()) || dir.startsWith(m.getMountPath() + "/")).isTrue());
        }
    }

    // ---- rendered overlays (only where kubectl is installed) -------------------------------------------

    @Test
    void renderedOverlaysParseAndDiffer() throws Exception {
        Assumptions.assumeTrue(Commands.kubectlAvailable(), "kubectl not installed: rendering skipped");
        Map<String, Deployment> deployments = new LinkedHashMap<>();
        for (String overlay : List.of("cpu", "gpu")) {
            String rendered = Commands.run("kubectl", "kustomize", K8S.resolve("overlays").resolve(overlay).toString());
            List<HasMetadata> resources = parseTyped(rendered, "overlays/" + overlay);
            assertThat(resources).extracting(HasMetadata::getKind).contains("Deployment", "Service", "ConfigMap",
                    "HTTPRoute", "ServiceMonitor", "HorizontalPodAutoscaler", "PodDisruptionBudget",
                    "PersistentVolumeClaim", "ServiceAccount");
            Deployment deployment = only(resources, Deployment.class);
            ConfigMap config = only(resources, ConfigMap.class);
            assertThat(volume(deployment, "config").getConfigMap().getName()).isEqualTo(config.getMetadata().getName());
            deployments.put(overlay, deployment);
        }
        Container cpu = servingContainer(deployments.get("cpu"));
        Container gpu = servingContainer(deployments.get("gpu"));
        assertThat(cpu.getImage()).doesNotContain("cuda");
        assertThat(gpu.getImage()).contains("cuda");
        assertThat(cpu.getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
        assertThat(gpu.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"));
        // the patch kept everything else: probes, ports, security
        assertThat(gpu.getReadinessProbe().getHttpGet()).isEqualTo(cpu.getReadinessProbe().getHttpGet());
        assertThat(gpu.getSecurityContext()).isEqualTo(cpu.getSecurityContext());
        assertThat(gpu.getPorts()).isEqualTo(cpu.getPorts());
        assertThat(deployments.get("gpu").getSpec().getTemplate().getSpec().getVolumes())
                .hasSameSizeAs(deployments.get("cpu").getSpec().getTemplate().getSpec().getVolumes());
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static List<HasMetadata> parseTyped(Path file) {
        try {
            return parseTyped(Files.readString(file), K8S.relativize(file).toString());
        } catch (IOException e) {
            throw new AssertionError(file + ": " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<HasMetadata> parseTyped(String yaml, String source) {
        List<HasMetadata> resources = new ArrayList<>();
        int index = 0;
        for (Object loaded : yaml().loadAll(yaml)) {
            index++;
            if (!(loaded instanceof Map<?, ?> document) || document.isEmpty()) {
                continue;
            }
            String type = document.get("apiVersion") + "/" + document.get("kind");
            Class<? extends HasMetadata> model = TYPES.get(type);
            if (model == null) {
                fail(source + " document " + index + ": no model for " + type);
            }
            HasMetadata resource = JSON.convertValue(document, model);
            if (!(resource instanceof GenericKubernetesResource)) {
                assertNoUnknownFields(resource, source + " " + type + " " + resource.getMetadata().getName());
            }
            resources.add(resource);
        }
        return resources;
    }

    private static Yaml yaml() {
        return new Yaml(new SafeConstructor(new LoaderOptions()));
    }

    /** Fails on any non-empty additionalProperties anywhere in a fabric8 object graph. */
    private static void assertNoUnknownFields(Object root, String where) {
        List<String> unknown = new ArrayList<>();
        walk(root, "", unknown, new IdentityHashMap<>());
        assertThat(unknown).as("fields unknown to the typed model in " + where).isEmpty();
    }

    private static void walk(Object node, String path, List<String> unknown, Map<Object, Boolean> seen) {
        if (node == null || seen.put(node, Boolean.TRUE) != null) {
            return;
        }
        if (node instanceof Collection<?> collection) {
            int i = 0;
            for (Object element : collection) {
                walk(element, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> walk(value, path + "." + key, unknown, seen));
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Class<?> type = node.getClass(); type != null && type != Object.class; type = type.getSuperclass()) {
            for (Field field : type.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers())) {
                    continue;
                }
                field.setAccessible(true);
                Object value;
                try {
                    value = field.get(node);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
                if (field.getName().equals("additionalProperties")) {
                    if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                        unknown.add((path.isEmpty() ? "" : path + ".") + extra.keySet());
                    }
                } else {
                    walk(value, path + "." + field.getName(), unknown, seen);
                }
            }
        }
    }

    private static void assertHttpProbe(Probe probe, String path, Container container) {
        assertThat(probe).as(path).isNotNull();
        HTTPGetAction get = probe.getHttpGet();
        assertThat(get.getPath()).isEqualTo(path);
        IntOrString port = get.getPort();
        int resolved = port.getIntVal() != null ? port.getIntVal() : namedPort(container, port.getStrVal()).getContainerPort();
        assertThat(resolved).isEqualTo(serverPort());
        assertThat(probe.getTimeoutSeconds()).isLessThan(probe.getPeriodSeconds() + 1);
    }

    private static void assertRestricted(String name, SecurityContext security) {
        assertThat(security).as(name + " securityContext").isNotNull();
        assertThat(security.getAllowPrivilegeEscalation()).as(name).isFalse();
        assertThat(security.getReadOnlyRootFilesystem()).as(name).isTrue();
        assertThat(security.getRunAsNonRoot()).as(name).isTrue();
        assertThat(security.getPrivileged()).as(name).isNotEqualTo(Boolean.TRUE);
        assertThat(security.getCapabilities().getDrop()).as(name).containsExactly("ALL");
        assertThat(security.getCapabilities().getAdd()).as(name).isNullOrEmpty();
        if (security.getRunAsUser() != null) {
            assertThat(security.getRunAsUser()).as(name).isPositive();
        }
    }

    /** A -D option from the image's JDK_JAVA_OPTIONS (each runtime stage of the Dockerfile sets the same). */
    private static String jvmOption(String property) {
        Matcher matcher = Pattern.compile("-D" + Pattern.quote(property) + "=(\\S+?)[\\s\"]").matcher(dockerfile);
        Set<String> values = new LinkedHashSet<>();
        while (matcher.find()) {
            values.add(matcher.group(1));
        }
        assertThat(values).as("-D" + property + " in the Dockerfile").hasSize(1);
        return values.iterator().next();
    }

    private static Container servingContainer(Deployment deployment) {
        return deployment.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals("digitserve")).findFirst()
                .orElseThrow(() -> new AssertionError("no container named digitserve"));
    }

    private static ContainerPort namedPort(Container container, String name) {
        return container.getPorts().stream().filter(p -> name.equals(p.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + name));
    }

    private static ServicePort servicePort(Service service, String name) {
        return service.getSpec().getPorts().stream().filter(p -> name.equals(p.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no service port named " + name));
    }

    private static VolumeMount mount(Container container, String volume) {
        return container.getVolumeMounts().stream().filter(m -> m.getName().equals(volume)).findFirst()
                .orElseThrow(() -> new AssertionError("no mount of volume " + volume));
    }

    private static Volume volume(Deployment deployment, String name) {
        return deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private static <T extends HasMetadata> T only(List<HasMetadata> resources, Class<T> type) {
        List<T> matching = resources.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(matching).as(type.getSimpleName()).hasSize(1);
        return matching.get(0);
    }

    private static <T extends HasMetadata> T named(List<HasMetadata> resources, Class<T> type, String name) {
        return resources.stream().filter(type::isInstance).map(type::cast)
                .filter(r -> r.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
    }

    private static Map<String, Object> onlyImage(Map<String, Object> kustomization) {
        List<Object> images = list(kustomization, "images");
        assertThat(images).hasSize(1);
        return asMap(images.get(0));
    }

    private static Map<String, Object> readMap(Path file) {
        try {
            return asMap(yaml().load(Files.readString(file)));
        } catch (IOException e) {
            throw new AssertionError(file + ": " + e.getMessage(), e);
        }
    }

    /** Looks a dotted key up in nested maps, accepting both nested and flat (dotted) YAML keys. */
    private static Object lookup(Map<String, Object> map, String key) {
        if (map.containsKey(key)) {
            return map.get(key);
        }
        int dot = key.indexOf('.');
        while (dot > 0) {
            Object child = map.get(key.substring(0, dot));
            if (child instanceof Map<?, ?>) {
                Object found = lookup(asMap(child), key.substring(dot + 1));
                if (found != null) {
                    return found;
                }
            }
            dot = key.indexOf('.', dot + 1);
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object value) {
        return (Map<String, Object>) value;
    }

    private static Map<String, String> stringMap(Map<String, Object> map) {
        Map<String, String> strings = new LinkedHashMap<>();
        map.forEach((k, v) -> strings.put(k, String.valueOf(v)));
        return strings;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Map<String, Object> map, String key) {
        Object value = map.get(key);
        return value == null ? List.of() : (List<Object>) value;
    }

    private static List<String> stringList(Map<String, Object> map, String key) {
        return list(map, key).stream().map(String::valueOf).toList();
    }


}
