package io.nexusai.admin.config;

import io.nexusai.admin.rest.AnomalyResource;
import io.nexusai.admin.rest.AuditResource;
import io.nexusai.admin.rest.Requests;
import io.nexusai.admin.service.ApplyService;
import io.nexusai.admin.service.ApplySpec;
import io.nexusai.admin.view.AliasView;
import io.nexusai.admin.view.AuditView;
import io.nexusai.admin.view.KeyView;
import io.nexusai.admin.view.LimitsView;
import io.nexusai.admin.view.PriceView;
import io.nexusai.admin.view.ProviderView;
import io.nexusai.admin.view.RouteView;
import io.nexusai.admin.view.TenantView;
import io.quarkus.resteasy.reactive.server.EndpointDisabled;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * admin-service's types that Jackson reads or writes, registered for reflection for native executables: the request
 * bodies and views of the admin API (also written into audit entries with {@code valueToTree}), and the
 * {@code /apply} document, which Jackson reads outside Quarkus REST. Nested classes come with their outer class
 * ({@link Requests}' records, {@link ApplySpec}'s). common-api's types: service-common's ReflectionRegistrations.
 * The build checks that every type Jackson bound in the tests is registered (docs/native.md).
 *
 * <p>Also {@link EndpointDisabled}, which service-common's RestServer looks up by name to know that this service
 * serves REST resources (strict JSON, transport limits): in a native executable {@code Class.forName} finds only
 * registered classes.
 */
@RegisterForReflection(targets = {
        Requests.class, ApplySpec.class, ApplyService.Change.class, ApplyService.Result.class,
        AliasView.class, AuditView.class, KeyView.class, LimitsView.class, PriceView.class, ProviderView.class, RouteView.class,
        TenantView.class, AuditResource.Page.class, AnomalyResource.AnomalyView.class, AnomalyResource.Page.class,
        EndpointDisabled.class,
})
public final class ReflectionRegistrations {
    private ReflectionRegistrations() {
    }
}
