// The npm clients of issue 13, unchanged and in their default modes, against the running gateway. NpmClientsIT
// runs one scenario per process: `node clients.mjs <scenario>` with NEXUS_BASE_URL (…/v1), NEXUS_KEY and
// NEXUS_MODEL in the environment, and reads the one JSON line it prints on stdout. A failure exits 1 with the
// error on stderr.
import OpenAI from 'openai';

const baseURL = process.env.NEXUS_BASE_URL;
const apiKey = process.env.NEXUS_KEY;
const model = process.env.NEXUS_MODEL;
const prompt = 'Hello from npm';

const weather = {
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
};

const scenarios = {
  // openai SDK, chat completions: the plumbing works even where an ingress is missing
  async 'openai-chat'() {
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content: prompt }] });
    return { text: r.choices[0].message.content, model: r.model };
  },

  // openai SDK, client.responses: sync and streamed
  async 'openai-responses'() {
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    const r = await client.responses.create({ model, input: prompt });
    const stream = await client.responses.create({ model, input: prompt, stream: true });
    let streamed = '';
    const types = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') streamed += event.delta;
    }
    return { text: r.output_text, streamed, status: r.status, first: types[0], last: types[types.length - 1],
      input_tokens: r.usage.input_tokens, output_tokens: r.usage.output_tokens };
  },

  // LangChain with useResponsesApi
  async langchain() {
    const { ChatOpenAI } = await import('@langchain/openai');
    const llm = new ChatOpenAI({ model, apiKey, useResponsesApi: true, maxRetries: 0, configuration: { baseURL } });
    const answer = await llm.invoke(prompt);
    let streamed = '';
    for await (const chunk of await llm.stream(prompt)) {
      streamed += typeof chunk.content === 'string' ? chunk.content : chunk.content.map((p) => p.text ?? '').join('');
    }
    return { text: typeof answer.content === 'string' ? answer.content : answer.content.map((p) => p.text ?? '').join(''), streamed };
  },

  // the Vercel AI SDK's default provider(model): the Responses API
  async 'ai-sdk'() {
    const { generateText, streamText } = await import('ai');
    const { createOpenAI } = await import('@ai-sdk/openai');
    const provider = createOpenAI({ baseURL, apiKey });
    const r = await generateText({ model: provider(model), prompt, maxRetries: 0 });
    const s = streamText({ model: provider(model), prompt, maxRetries: 0 });
    let streamed = '';
    for await (const part of s.textStream) streamed += part;
    return { text: r.text, streamed, input_tokens: r.usage.inputTokens, output_tokens: r.usage.outputTokens };
  },

  // @openai/agents in its default mode (the Responses API), with a function tool the model calls
  async agents() {
    const { Agent, run, tool, setDefaultOpenAIClient, setTracingDisabled } = await import('@openai/agents');
    const { z } = await import('zod');
    setTracingDisabled(true);
    setDefaultOpenAIClient(new OpenAI({ baseURL, apiKey, maxRetries: 0 }));
    const calls = [];
    const getWeather = tool({
      name: weather.name,
      description: weather.description,
      parameters: z.object({ city: z.string() }),
      execute: async ({ city }) => { calls.push(city); return `Sunny in ${city}`; },
    });
    const agent = new Agent({ name: 'Assistant', instructions: 'Be brief.', model, tools: [getWeather] });
    const result = await run(agent, prompt);
    return { text: result.finalOutput, tool_calls: calls.length };
  },

  // @anthropic-ai/sdk against the Messages ingress
  async anthropic() {
    const { default: Anthropic } = await import('@anthropic-ai/sdk');
    const client = new Anthropic({ baseURL: baseURL.replace(/\/v1$/, ''), apiKey, maxRetries: 0 });
    const m = await client.messages.create({ model, max_tokens: 256, messages: [{ role: 'user', content: prompt }] });
    const stream = client.messages.stream({ model, max_tokens: 256, messages: [{ role: 'user', content: prompt }] });
    const final = await stream.finalMessage();
    return { text: m.content[0].text, streamed: final.content[0].text, stop_reason: m.stop_reason,
      input_tokens: m.usage.input_tokens, output_tokens: m.usage.output_tokens };
  },
};

const name = process.argv[2];
if (!scenarios[name]) {
  console.error(`unknown scenario ${name}; one of ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
try {
  console.log(JSON.stringify(await scenarios[name]()));
} catch (e) {
  console.error(e?.stack ?? String(e));
  process.exit(1);
}
