package io.nexusai.service.config;

import io.nexusai.api.auth.KeyBatch;
import io.nexusai.api.auth.KeyLevel;
import io.nexusai.api.auth.KeyResolveRequest;
import io.nexusai.api.auth.Limits;
import io.nexusai.api.auth.Principal;
import io.nexusai.api.events.ConfigChange;
import io.nexusai.api.events.UsageEvent;
import io.nexusai.api.openai.ErrorEnvelope;
import io.nexusai.api.routing.AliasPolicy;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.api.routing.RouteDelta;
import io.nexusai.api.routing.RouteEntry;
import io.nexusai.api.routing.RouteSnapshot;
import io.nexusai.api.routing.TargetReport;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The wire types of common-api that Jackson reads or writes, registered for reflection in every service (all five
 * use service-common): a native executable keeps only the reflection it is told about, and without it Jackson finds
 * no properties ("No serializer found for class ... This appears to be a native image"). common-api is a plain jar
 * without Quarkus, so it cannot carry the annotation itself; nested classes (ErrorEnvelope.Body and FieldProblem,
 * Principal.Session, KeyBatch's records, Deployment.Price, ConfigChange.Kind) come with their outer class.
 *
 * <p>Each service registers its own types in its {@code config.ReflectionRegistrations}. The services' tests record
 * every type Jackson binds, and the build fails on one registered nowhere (test-support's NativeRegistrationsCheck,
 * docs/native.md).
 */
@RegisterForReflection(targets = {
        // OpenAI's error envelope: every error answer of every service
        ErrorEnvelope.class,
        // keys and principals (auth-service's internal API, its callers' REST clients)
        Principal.class, Limits.class, KeyLevel.class, KeyResolveRequest.class, KeyBatch.class,
        // route snapshots (routing-service, the gateway's REST client and snapshot file) and health reports (Redis)
        RouteSnapshot.class, RouteDelta.class, RouteEntry.class, Deployment.class, AliasPolicy.class, ProviderKind.class, TargetReport.class,
        // events on Redis: usage (gateway → metering) and configuration changes (admin → everyone)
        UsageEvent.class, ConfigChange.class,
})
public final class ReflectionRegistrations {
    private ReflectionRegistrations() {
    }
}
