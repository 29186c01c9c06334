package io.nexusai.gateway.pipeline.stage;

import io.nexusai.api.auth.BearerToken;
import io.nexusai.api.auth.Principal;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.anomaly.RefusedCaller;
import io.nexusai.gateway.api.BrowserAccess;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.Stage;
import io.nexusai.gateway.security.SignatureCheck;
import io.nexusai.service.auth.PrincipalCache;

/**
 * Step 2, identity verification: {@code Authorization: Bearer <app key or session key>}. Cached app keys and
 * session keys of cached parents are answered from memory with no I/O (session keys are verified locally); a
 * key seen for the first time is resolved once through auth-service. Keys that must sign their requests are
 * checked here too.
 */
public final class AuthenticateStage implements Stage {
    private final PrincipalCache principals;
    private final SignatureCheck signatures;

    public AuthenticateStage(PrincipalCache principals, SignatureCheck signatures) {
        this.principals = principals;
        this.signatures = signatures;
    }

    @Override
    public void onRequest(ProxyContext ctx) {
        String token = BearerToken.from(ctx.http().request().getHeader("Authorization"));
        if (token == null) {
            throw ApiException.unauthorized("You didn't provide an API key. You need to provide your API key in an "
                    + "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");
        }
        Principal cached = principals.cached(token);
        if (cached != null) {
            admit(ctx, cached);
            return;
        }
        // auth-service is asked in the request's trace (its REST client is instrumented): once per new key,
        // never on the cached path
        ctx.trace().callInTrace(() -> {
            try {
                principals.resolve(token).subscribe().with(p -> admit(ctx, p), ctx::fail);
            } catch (RuntimeException e) {
                ctx.fail(e);
            }
        });
    }

    private void admit(ProxyContext ctx, Principal principal) {
        if (principal.isAdmin()) {
            ctx.fail(ApiException.forbidden("Admin keys administer NexusAI; call the model API with an app key.", "admin_key_not_allowed"));
            return;
        }
        try {
            BrowserAccess.checkTenantOrigin(ctx.http(), principal, ctx.responseHeaders());
        } catch (ApiException e) {
            ctx.fail(e);
            return;
        }
        if (principal.signingSecretEnvelope() == null) {
            ctx.attach(Principal.class, principal);
            ctx.proceed();
            return;
        }
        signatures.check(principal, ctx.http().request(), ctx.body()).onComplete(checked -> {
            if (checked.failed()) {
                ctx.attach(RefusedCaller.class, new RefusedCaller(principal.tenantId(), principal.keyId()));
                ctx.fail(checked.cause());
            } else {
                ctx.attach(Principal.class, principal);
                ctx.proceed();
            }
        });
    }
}
