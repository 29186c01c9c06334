package io.nexusai.e2e;

import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import io.nexusai.mock.TokenCounter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chat fields that shape choices — {@code n}, {@code logprobs}/{@code top_logprobs} and parallel tool calls —
 * through the gateway to OpenAI-compatible and Azure deployments (which take them as they are), read with openai-java,
 * whole and streamed, and metered exactly (n choices cost n times the tokens). Each test makes its own tenant: another
 * class's cached aliases may be gone (ResilienceIT applies a configuration with prune).
 */
class ChatFieldsIT {

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure"})
    void nChoicesWholeAndStreamedAreMeteredForEveryChoice(String kind) {
        Fixtures.Tenant t = DataPlaneIT.newTenant(kind);
        OpenAIClient client = Fixtures.openAi(t.appKey());
        String text = "Three takes on " + kind;
        ChatCompletion answer = client.chat().completions().create(DataPlaneIT.chat(t, text).toBuilder().n(3).build());
        assertThat(answer.choices()).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(answer.choices().get(i).index()).isEqualTo(i);
            assertThat(answer.choices().get(i).message().content()).contains(DataPlaneIT.reply(t, text));
        }
        long oneChoice = TokenCounter.count(DataPlaneIT.reply(t, text));
        assertThat(answer.usage().orElseThrow().completionTokens()).isEqualTo(3 * oneChoice);

        Map<Long, StringBuilder> streamed = new TreeMap<>();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        ChatCompletionCreateParams stream = DataPlaneIT.chat(t, text).toBuilder().n(3)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(stream)) {
            s.stream().forEach(c -> {
                chunks.add(c);
                c.choices().forEach(choice -> choice.delta().content().ifPresent(
                        piece -> streamed.computeIfAbsent(choice.index(), i -> new StringBuilder()).append(piece)));
            });
        }
        assertThat(streamed).containsOnlyKeys(0L, 1L, 2L);
        streamed.values().forEach(content -> assertThat(content.toString()).isEqualTo(DataPlaneIT.reply(t, text)));
        assertThat(chunks.getLast().usage().orElseThrow().completionTokens()).isEqualTo(3 * oneChoice);
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure"})
    void logprobsCarryOneEntryPerTokenWithTheAlternativesAsked(String kind) {
        Fixtures.Tenant t = DataPlaneIT.newTenant(kind);
        OpenAIClient client = Fixtures.openAi(t.appKey());
        ChatCompletionCreateParams ask = DataPlaneIT.chat(t, "How sure are you?").toBuilder().logprobs(true).topLogprobs(2).build();
        ChatCompletion answer = client.chat().completions().create(ask);
        List<ChatCompletionTokenLogprob> entries = answer.choices().get(0).logprobs().orElseThrow().content().orElseThrow();
        assertThat(entries).isNotEmpty();
        assertThat(entries).allSatisfy(e -> {
            assertThat(e.logprob()).isLessThanOrEqualTo(0.0);
            assertThat(e.topLogprobs()).hasSize(2);
        });
        assertThat(String.join("", entries.stream().map(ChatCompletionTokenLogprob::token).toList()))
                .isEqualTo(answer.choices().get(0).message().content().orElseThrow());

        List<ChatCompletionTokenLogprob> streamed = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(ask)) {
            s.stream().forEach(c -> c.choices().forEach(choice -> choice.logprobs()
                    .flatMap(ChatCompletionChunk.Choice.Logprobs::content).ifPresent(streamed::addAll)));
        }
        assertThat(streamed.stream().map(ChatCompletionTokenLogprob::token).toList())
                .isEqualTo(entries.stream().map(ChatCompletionTokenLogprob::token).toList());
    }

    /**
     * The mock's Anthropic, Gemini and Bedrock APIs call one tool per turn, so parallel calls from those vendors are
     * covered only for Anthropic and Gemini, by their translators' tests (OpenAiToAnthropicChatTranslatorTest, OpenAiToGeminiChatTranslatorTest).
     */
    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure"})
    void parallelToolCallsComeBackOnePerTool(String kind) {
        Fixtures.Tenant t = DataPlaneIT.newTenant(kind);
        OpenAIClient client = Fixtures.openAi(t.appKey());
        ChatCompletionCreateParams ask = DataPlaneIT.chat(t, "Berlin").toBuilder()
                .addFunctionTool(function("get_weather")).addFunctionTool(function("get_time")).build();
        ChatCompletion answer = client.chat().completions().create(ask);
        assertThat(answer.choices().get(0).finishReason().asString()).isEqualTo("tool_calls");
        List<ChatCompletionMessageToolCall> calls = answer.choices().get(0).message().toolCalls().orElseThrow();
        assertThat(calls.stream().map(c -> c.asFunction().function().name()).toList()).containsExactly("get_weather", "get_time");
        assertThat(calls.stream().map(c -> c.asFunction().id()).distinct()).hasSize(2);

        Map<Long, String> streamedNames = new TreeMap<>();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(ask)) {
            s.stream().forEach(c -> c.choices().forEach(choice -> choice.delta().toolCalls().ifPresent(list -> list.forEach(
                    call -> call.function().flatMap(ChatCompletionChunk.Choice.Delta.ToolCall.Function::name)
                            .ifPresent(name -> streamedNames.put(call.index(), name))))));
        }
        assertThat(streamedNames).isEqualTo(Map.of(0L, "get_weather", 1L, "get_time"));
    }

    private static FunctionDefinition function(String name) {
        return FunctionDefinition.builder().name(name).description("What " + name + " says about a city")
                .parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("location", Map.of("type", "string"))))
                        .putAdditionalProperty("required", JsonValue.from(List.of("location")))
                        .build())
                .build();
    }
}
