package dev.digitserve.warmup;

import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.stereotype.Component;

/** {@code /actuator/info} section {@code warmup}: how long the request path took to warm, and how it ended. */
@Component
class WarmupInfoContributor implements InfoContributor {
    private final RequestPathWarmup warmup;

    WarmupInfoContributor(RequestPathWarmup warmup) {
        this.warmup = warmup;
    }

    @Override
    public void contribute(Info.Builder builder) {
        builder.withDetail("warmup", warmup.report());
    }
}
