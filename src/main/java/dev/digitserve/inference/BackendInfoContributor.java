package dev.digitserve.inference;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.stereotype.Component;

/** {@code /actuator/info} section {@code backend}: which ND4J backend, binary and device run, and whether oneDNN is on. */
@Component
class BackendInfoContributor implements InfoContributor {
    @Override
    public void contribute(Info.Builder builder) {
        NativeBackend.Info info = NativeBackend.configure();
        Map<String, Object> backend = new LinkedHashMap<>();
        backend.put("name", info.backend());
        backend.put("device", info.device());
        backend.put("threads", info.threads());
        backend.put("blas", info.blasVendor());
        backend.put("nativeLibrary", info.nativeLibrary().replaceAll(".*/", ""));
        backend.put("oneDnn", info.oneDnn());
        backend.put("layerHelpers", info.layerHelpersEnabled());
        builder.withDetail("backend", backend);
    }
}
