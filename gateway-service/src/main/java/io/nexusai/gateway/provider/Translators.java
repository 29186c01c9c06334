package io.nexusai.gateway.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.provider.openai.OpenAiPassthroughChatTranslator;
import io.nexusai.gateway.snapshot.Target;
import jakarta.enterprise.context.ApplicationScoped;

/** Picks the translator for an API call and a target: one exhaustive switch over the provider kind. */
@ApplicationScoped
public class Translators {
    private final ObjectMapper mapper;

    public Translators(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** A new translator for {@code POST /v1/chat/completions} to this target. */
    public Translator chat(Target target, String alias) {
        return switch (target.deployment().providerKind()) {
            case OPENAI -> new OpenAiPassthroughChatTranslator(mapper, target.deployment(), alias);
            case AZURE, ANTHROPIC -> throw new ApiException(501, "not_implemented",
                    "Provider kind " + target.deployment().providerKind().wire() + " is not supported yet.", null, "provider_not_supported",
                    java.util.List.of(), null);
        };
    }
}
