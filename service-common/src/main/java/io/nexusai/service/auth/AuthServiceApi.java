package io.nexusai.service.auth;

import io.nexusai.api.auth.KeyBatch;
import io.nexusai.api.auth.KeyResolveRequest;
import io.nexusai.api.auth.Principal;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** auth-service's internal key API. Package-private: callers use {@link AuthServiceClient}. */
@RegisterRestClient(configKey = "auth-service")
@Path("/internal/v1/keys")
interface AuthServiceApi {

    @POST
    @Path("/resolve")
    Uni<Principal> resolve(KeyResolveRequest request, @HeaderParam("Authorization") String serviceToken);

    @POST
    @Path("/resolve-id")
    Uni<Principal> resolveId(KeyBatch.IdRequest request, @HeaderParam("Authorization") String serviceToken);

    @POST
    @Path("/resolve-batch")
    Uni<KeyBatch.Response> resolveBatch(KeyBatch.Request request, @HeaderParam("Authorization") String serviceToken);
}
