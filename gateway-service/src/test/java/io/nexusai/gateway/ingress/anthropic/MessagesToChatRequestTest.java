package io.nexusai.gateway.ingress.anthropic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.pipeline.wire.MessagesWire;
import io.nexusai.gateway.provider.Recorded;
import org.junit.jupiter.api.Test;

import static io.nexusai.gateway.provider.Recorded.json;
import static org.assertj.core.api.Assertions.assertThat;

class MessagesToChatRequestTest {
    static final MessagesToChatRequest REQUESTS = new MessagesToChatRequest(Recorded.MAPPER);

    static ObjectNode chat(String messagesBody) {
        ObjectNode body = json(messagesBody);
        ObjectNode before = body.deepCopy();
        ObjectNode chat = REQUESTS.toChat(body);
        assertThat(body).as("the client's body is left as it was (failover reuses it)").isEqualTo(before);
        return Recorded.reparse(chat);
    }

    static ApiException rejected(String messagesBody) {
        try {
            REQUESTS.toChat(json(messagesBody));
        } catch (ApiException e) {
            assertThat(e.status()).isEqualTo(400);
            assertThat(MessagesWire.kind(e)).isEqualTo(new MessagesWire.Kind(400, "invalid_request_error"));
            return e;
        }
        throw new AssertionError("expected a 400 for " + messagesBody);
    }

    @Test
    void aPlainRequestMapsModelSystemMessagesAndSamplingAndDropsTopK() {
        assertThat(chat("""
                {"model":"nexus-claude","max_tokens":256,"system":"You are terse.",
                 "messages":[{"role":"user","content":"Hello"},{"role":"assistant","content":"Hi."},
                             {"role":"user","content":"Weather?"}],
                 "temperature":0.4,"top_p":0.9,"top_k":40,"stop_sequences":["END","STOP"],
                 "metadata":{"user_id":"user-42"},"service_tier":"auto"}""")).isEqualTo(json("""
                {"model":"nexus-claude","messages":[
                   {"role":"system","content":"You are terse."},
                   {"role":"user","content":"Hello"},{"role":"assistant","content":"Hi."},
                   {"role":"user","content":"Weather?"}],
                 "max_completion_tokens":256,"stop":["END","STOP"],"temperature":0.4,"top_p":0.9,"user":"user-42"}"""));
    }

    @Test
    void systemTextBlocksAreJoinedAndTheirCacheControlDropped() {
        ObjectNode chat = chat("""
                {"model":"m","max_tokens":10,"system":[{"type":"text","text":"You are Claude Code."},
                  {"type":"text","text":"Be careful.","cache_control":{"type":"ephemeral"}}],
                 "messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}}]}]}""");
        assertThat(chat.path("messages")).isEqualTo(json("""
                {"m":[{"role":"system","content":"You are Claude Code.\\n\\nBe careful."},
                      {"role":"user","content":[{"type":"text","text":"hi"}]}]}""").get("m"));
    }

    @Test
    void imagesBecomeImageUrlPartsAndPdfDocumentsFileParts() {
        ObjectNode chat = chat("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[
                  {"type":"text","text":"What is this?"},
                  {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
                  {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}},
                  {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0x"},"title":"spec.pdf"},
                  {"type":"document","source":{"type":"text","media_type":"text/plain","data":"plain notes"}}]}]}""");
        assertThat(chat.at("/messages/0/content")).isEqualTo(json("""
                {"c":[{"type":"text","text":"What is this?"},
                      {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
                      {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}},
                      {"type":"file","file":{"filename":"spec.pdf","file_data":"data:application/pdf;base64,JVBERi0x"}},
                      {"type":"text","text":"plain notes"}]}""").get("c"));
    }

    @Test
    void aToolRoundTripBecomesToolCallsAndToolMessagesInChatOrder() {
        ObjectNode chat = chat("""
                {"model":"m","max_tokens":100,
                 "tools":[{"name":"get_weather","description":"Weather of a city",
                           "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},
                          {"type":"custom","name":"no_args","input_schema":{"type":"object"}}],
                 "tool_choice":{"type":"auto","disable_parallel_tool_use":true},
                 "messages":[
                  {"role":"user","content":"Weather in Paris and Rome?"},
                  {"role":"assistant","content":[
                     {"type":"thinking","thinking":"two calls","signature":"sig"},
                     {"type":"text","text":"Checking."},
                     {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}},
                     {"type":"tool_use","id":"toolu_2","name":"get_weather","input":{"city":"Rome"}}]},
                  {"role":"user","content":[
                     {"type":"tool_result","tool_use_id":"toolu_1","content":"18°C"},
                     {"type":"tool_result","tool_use_id":"toolu_2","is_error":true,
                      "content":[{"type":"text","text":"service down"},{"type":"text","text":"retry later"}]},
                     {"type":"text","text":"Summarise."}]}]}""");
        assertThat(chat.get("tools")).isEqualTo(json("""
                {"t":[{"type":"function","function":{"name":"get_weather","description":"Weather of a city",
                        "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
                      {"type":"function","function":{"name":"no_args","parameters":{"type":"object"}}}]}""").get("t"));
        assertThat(chat.path("tool_choice").asText()).isEqualTo("auto");
        assertThat(chat.path("parallel_tool_calls").asBoolean(true)).isFalse();
        assertThat(chat.get("messages")).isEqualTo(json("""
                {"m":[{"role":"user","content":"Weather in Paris and Rome?"},
                      {"role":"assistant","content":"Checking.","tool_calls":[
                         {"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                         {"id":"toolu_2","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Rome\\"}"}}]},
                      {"role":"tool","tool_call_id":"toolu_1","content":"18°C"},
                      {"role":"tool","tool_call_id":"toolu_2","content":"Error: service down\\nretry later"},
                      {"role":"user","content":[{"type":"text","text":"Summarise."}]}]}""").get("m"));
    }

    @Test
    void anAssistantTurnOfToolUseOnlyHasNullContentAndAToolResultImageFollowsAsAUserMessage() {
        ObjectNode chat = chat("""
                {"model":"m","max_tokens":100,"tools":[{"name":"screenshot","input_schema":{"type":"object"}}],
                 "messages":[{"role":"user","content":"Look"},
                  {"role":"assistant","content":[{"type":"tool_use","id":"toolu_9","name":"screenshot","input":{}}]},
                  {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_9","content":[
                     {"type":"text","text":"captured"},
                     {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"}}]}]}]}""");
        assertThat(chat.at("/messages/1")).isEqualTo(json("""
                {"role":"assistant","content":null,"tool_calls":[{"id":"toolu_9","type":"function",
                  "function":{"name":"screenshot","arguments":"{}"}}]}"""));
        assertThat(chat.at("/messages/2")).isEqualTo(json("""
                {"role":"tool","tool_call_id":"toolu_9","content":"captured"}"""));
        assertThat(chat.at("/messages/3")).isEqualTo(json("""
                {"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ"}}]}"""));
    }

    @Test
    void toolChoiceMapsEachAnthropicKind() {
        String tools = "\"tools\":[{\"name\":\"f\",\"input_schema\":{\"type\":\"object\"}}],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]";
        assertThat(chat("{\"model\":\"m\",\"max_tokens\":5," + tools + ",\"tool_choice\":{\"type\":\"any\"}}").get("tool_choice").asText())
                .isEqualTo("required");
        assertThat(chat("{\"model\":\"m\",\"max_tokens\":5," + tools + ",\"tool_choice\":{\"type\":\"none\"}}").get("tool_choice").asText())
                .isEqualTo("none");
        assertThat(chat("{\"model\":\"m\",\"max_tokens\":5," + tools + ",\"tool_choice\":{\"type\":\"tool\",\"name\":\"f\"}}").get("tool_choice"))
                .isEqualTo(json("{\"type\":\"function\",\"function\":{\"name\":\"f\"}}"));
        assertThat(chat("{\"model\":\"m\",\"max_tokens\":5," + tools + "}").has("tool_choice")).isFalse();
        assertThat(rejected("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"tool_choice\":{\"type\":\"any\"}}").getMessage()).isEqualTo("tool_choice: 'any' requires tools");
        assertThat(rejected("{\"model\":\"m\",\"max_tokens\":5," + tools + ",\"tool_choice\":{\"type\":\"sometimes\"}}").param())
                .isEqualTo("tool_choice.type");
    }

    @Test
    void aStreamAsksForUsageSoTheStreamIsMeteredExactly() {
        ObjectNode chat = chat("{\"model\":\"m\",\"max_tokens\":5,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(chat.path("stream").asBoolean()).isTrue();
        assertThat(chat.at("/stream_options/include_usage").asBoolean()).isTrue();
        assertThat(chat("{\"model\":\"m\",\"max_tokens\":5,\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                .has("stream")).isFalse();
    }

    @Test
    void thinkingBecomesAReasoningEffortByBudget() {
        String start = "{\"model\":\"m\",\"max_tokens\":32000,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"thinking\":";
        assertThat(chat(start + "{\"type\":\"enabled\",\"budget_tokens\":1024}}").path("reasoning_effort").asText()).isEqualTo("low");
        assertThat(chat(start + "{\"type\":\"enabled\",\"budget_tokens\":8000}}").path("reasoning_effort").asText()).isEqualTo("medium");
        assertThat(chat(start + "{\"type\":\"enabled\",\"budget_tokens\":16384}}").path("reasoning_effort").asText()).isEqualTo("high");
        assertThat(chat(start + "{\"type\":\"disabled\"}}").has("reasoning_effort")).isFalse();
    }

    @Test
    void requiredFieldsAreCheckedWithAnthropicStyleMessages() {
        assertThat(rejected("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}").getMessage())
                .isEqualTo("max_tokens: Field required");
        assertThat(rejected("{\"model\":\"m\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}").getMessage())
                .isEqualTo("max_tokens: Input should be greater than or equal to 1");
        assertThat(rejected("{\"model\":\"m\",\"max_tokens\":\"ten\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}").param())
                .isEqualTo("max_tokens");
        assertThat(rejected("{\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}").getMessage())
                .isEqualTo("model: Field required");
        assertThat(rejected("{\"model\":\"m\",\"max_tokens\":5}").getMessage()).isEqualTo("messages: Field required");
        assertThat(rejected("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[]}").param()).isEqualTo("messages");
        assertThat(rejected("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}").getMessage())
                .isEqualTo("messages.0.role: Input should be 'user' or 'assistant'");
        assertThat(rejected("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\"}]}").param())
                .isEqualTo("messages.0.content");
        assertThat(rejected("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":\"yes\"}").param())
                .isEqualTo("stream");
        assertThat(rejected("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stop_sequences\":\"END\"}")
                .param()).isEqualTo("stop_sequences");
    }

    @Test
    void blocksAChatModelCannotTakeAreRefusedNotDropped() {
        assertThat(rejected("""
                {"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],
                 "tools":[{"type":"web_search_20250305","name":"web_search","max_uses":3}]}""").param()).isEqualTo("tools.0.type");
        assertThat(rejected("""
                {"model":"m","max_tokens":5,"messages":[{"role":"user","content":[
                  {"type":"image","source":{"type":"file","file_id":"file_1"}}]}]}""").param()).isEqualTo("messages.0.content.0.source.type");
        assertThat(rejected("""
                {"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"search_result","source":"x"}]}]}""")
                .getMessage()).contains("'search_result'");
        assertThat(rejected("""
                {"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"},
                  {"role":"assistant","content":[{"type":"tool_use","name":"f","input":{}}]}]}""").param())
                .isEqualTo("messages.1.content.0.id");
        assertThat(rejected("""
                {"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_result","content":"x"}]}]}""").param())
                .isEqualTo("messages.0.content.0.tool_use_id");
        assertThat(rejected("""
                {"model":"m","max_tokens":5,"tools":[{"name":"f"}],"messages":[{"role":"user","content":"x"}]}""").param())
                .isEqualTo("tools.0.input_schema");
    }
}
