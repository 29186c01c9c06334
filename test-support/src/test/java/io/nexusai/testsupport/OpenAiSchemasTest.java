package io.nexusai.testsupport;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OpenAiSchemasTest {

    @Test
    void acceptsAValidChatCompletionAndRejectsABrokenOne() {
        String valid = """
                {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"nexus-gpt4",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"hi","refusal":null},"logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}""";
        assertThat(OpenAiSchemas.validate("CreateChatCompletionResponse", valid)).isEmpty();
        String broken = valid.replace("\"object\":\"chat.completion\"", "\"object\":\"chat.completions\"")
                .replace("\"created\":1700000000", "\"created\":\"yesterday\"");
        assertThat(OpenAiSchemas.validate("CreateChatCompletionResponse", broken)).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void streamChunksAndErrorsToo() {
        assertThat(OpenAiSchemas.validate("CreateChatCompletionStreamResponse", """
                {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",
                 "choices":[{"index":0,"delta":{"content":"x"},"logprobs":null,"finish_reason":null}]}""")).isEmpty();
        assertThat(OpenAiSchemas.validate("ErrorResponse", """
                {"error":{"message":"m","type":"t","param":null,"code":null}}""")).isEmpty();
        assertThat(OpenAiSchemas.validate("ErrorResponse", "{\"error\":{\"message\":\"m\"}}")).isNotEmpty();
    }
}
