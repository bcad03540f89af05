# syntax=docker/dockerfile:1
#
# digitserve container image.
#
#   CPU (default target):  docker build -t digitserve .
#   GPU (CUDA 11.6):       docker build --target cuda -t digitserve:cuda .
#
# Base images are build arguments so that a mirror or a locally built image can stand in for the
# public ones (deploy/container-smoke.sh builds Debian-based replacements when no registry is reachable).
# They must provide: BUILD_IMAGE a JDK 17 (java on PATH); RUNTIME_IMAGE a JRE 17 (java on PATH), bash and
# useradd; JRE_IMAGE a JRE 17 under JRE_HOME (copied into the CUDA image); CUDA_IMAGE a glibc Linux
# with the NVIDIA container environment (the CUDA libraries themselves come with the application).
ARG BUILD_IMAGE=eclipse-temurin:17-jdk
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre
ARG JRE_IMAGE=eclipse-temurin:17-jre
ARG JRE_HOME=/opt/java/openjdk
ARG CUDA_IMAGE=nvidia/cuda:11.6.2-base-ubuntu20.04

############################################################################################
# Build stages. Dependencies are resolved in a layer of their own, keyed only on pom.xml and
# the wrapper, so that a source change does not download the world again.
############################################################################################
FROM ${BUILD_IMAGE} AS build-base
WORKDIR /workspace
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
RUN chmod +x mvnw

FROM build-base AS build-cpu
RUN ./mvnw -B -q dependency:go-offline
COPY src/ src/
# -DskipTests also skips the MNIST fetch (it only feeds the tests); the tests run in CI, not here.
RUN ./mvnw -B -q -DskipTests package \
 && cp target/digitserve-*.jar application.jar \
 && java -Djarmode=tools -jar application.jar extract --layers --launcher --destination extracted

FROM build-base AS build-cuda
RUN ./mvnw -B -q -Pcuda dependency:go-offline
COPY src/ src/
RUN ./mvnw -B -q -Pcuda -DskipTests package \
 && cp target/digitserve-*.jar application.jar \
 && java -Djarmode=tools -jar application.jar extract --layers --launcher --destination extracted

# The model repository, readable by the runtime user whatever the modes in the build context
# (the training command publishes version directories with mode 0700).
FROM build-base AS models
COPY models/ /models/
RUN chmod -R a+rX,go-w /models

############################################################################################
# Runtime settings shared by both variants (repeated per stage: ENV does not cross FROM).
#  - uid/gid 10001, no login shell, owns nothing but the two writable directories;
#  - the root file system can be read-only: /tmp and /var/cache/digitserve are the only places
#    written to (JavaCPP unpacks ND4J's native libraries, hundreds of MB, into its cache dir);
#  - logs are ECS JSON, one object per line (DIGITSERVE_LOG_FORMAT=ecs; set it empty for plain text);
#  - heap is a share of the container's memory, not a fixed -Xmx: ND4J keeps its tensors off-heap,
#    bounded by JavaCPP's maxbytes (100% of the heap) and maxphysicalbytes (whole-process RSS,
#    250% of the heap, i.e. ~88% of the container at MaxRAMPercentage=35).
############################################################################################
FROM ${JRE_IMAGE} AS jre

FROM ${CUDA_IMAGE} AS cuda
ARG JRE_HOME
ENV JAVA_HOME=/opt/java/openjdk
ENV PATH=${JAVA_HOME}/bin:${PATH}
COPY --from=jre ${JRE_HOME} ${JAVA_HOME}
RUN groupadd --system --gid 10001 digitserve \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin digitserve \
 && mkdir -p /var/cache/digitserve/javacpp \
 && chown -R 10001:10001 /var/cache/digitserve
WORKDIR /app
COPY --from=build-cuda /workspace/extracted/dependencies/ ./
COPY --from=build-cuda /workspace/extracted/spring-boot-loader/ ./
COPY --from=build-cuda /workspace/extracted/snapshot-dependencies/ ./
COPY --from=models /models/ ./models/
COPY --from=build-cuda /workspace/extracted/application/ ./
ENV OPENBLAS_CORETYPE=Haswell \
    OMP_WAIT_POLICY=PASSIVE \
    OPENBLAS_THREAD_TIMEOUT=4 \
    DIGITSERVE_MODELS_DIR=/app/models \
    DIGITSERVE_LOG_FORMAT=ecs \
    JDK_JAVA_OPTIONS="-XX:MaxRAMPercentage=35 -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp -Dorg.bytedeco.javacpp.cachedir=/var/cache/digitserve/javacpp -Dorg.bytedeco.javacpp.maxbytes=100% -Dorg.bytedeco.javacpp.maxphysicalbytes=250%"
USER 10001:10001
# 8080: HTTP (v1, V2 REST, actuator); 8081: V2 gRPC (digitserve.grpc.port)
EXPOSE 8080 8081
HEALTHCHECK --interval=15s --timeout=3s --start-period=180s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${SERVER_PORT:-8080} && printf 'GET /actuator/health/readiness HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q '^HTTP/1\\.[01] 200'"]
LABEL org.opencontainers.image.title="digitserve (CUDA 11.6)"
ENTRYPOINT ["java", "-cp", "/app", "org.springframework.boot.loader.launch.JarLauncher"]

# The default target (last stage): the CPU image.
FROM ${RUNTIME_IMAGE} AS cpu
RUN groupadd --system --gid 10001 digitserve \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin digitserve \
 && mkdir -p /var/cache/digitserve/javacpp \
 && chown -R 10001:10001 /var/cache/digitserve
WORKDIR /app
COPY --from=build-cpu /workspace/extracted/dependencies/ ./
COPY --from=build-cpu /workspace/extracted/spring-boot-loader/ ./
COPY --from=build-cpu /workspace/extracted/snapshot-dependencies/ ./
# Models change more often than the libraries but less often than the code: baked in between them.
# Mount a volume on /app/models to serve another repository (see README, Deploy).
COPY --from=models /models/ ./models/
COPY --from=build-cpu /workspace/extracted/application/ ./
ENV OPENBLAS_CORETYPE=Haswell \
    OMP_WAIT_POLICY=PASSIVE \
    OPENBLAS_THREAD_TIMEOUT=4 \
    DIGITSERVE_MODELS_DIR=/app/models \
    DIGITSERVE_LOG_FORMAT=ecs \
    JDK_JAVA_OPTIONS="-XX:MaxRAMPercentage=35 -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp -Dorg.bytedeco.javacpp.cachedir=/var/cache/digitserve/javacpp -Dorg.bytedeco.javacpp.maxbytes=100% -Dorg.bytedeco.javacpp.maxphysicalbytes=250%"
USER 10001:10001
# 8080: HTTP (v1, V2 REST, actuator); 8081: V2 gRPC (digitserve.grpc.port)
EXPOSE 8080 8081
LABEL org.opencontainers.image.title="digitserve"
# Readiness, not liveness: "healthy" means every model has a loaded version. bash's /dev/tcp needs no curl.
HEALTHCHECK --interval=15s --timeout=3s --start-period=180s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${SERVER_PORT:-8080} && printf 'GET /actuator/health/readiness HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q '^HTTP/1\\.[01] 200'"]
ENTRYPOINT ["java", "-cp", "/app", "org.springframework.boot.loader.launch.JarLauncher"]
