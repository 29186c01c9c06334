package io.nexusai.gateway.anomaly;

import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.Stage;

/** Hands every finished request of a pipeline to the {@link AnomalyDetector}; does nothing on the way in or out. */
public final class AnomalyStage implements Stage {
    private final AnomalyDetector detector;

    public AnomalyStage(AnomalyDetector detector) {
        this.detector = detector;
    }

    @Override
    public void onComplete(ProxyContext ctx) {
        detector.completed(ctx);
    }
}
