// Drives Alavida's MCP server with the official TypeScript SDK over stdio (`dotnet alavida.dll mcp`) and over
// Streamable HTTP (the gateway's /mcp): lists the tools, calls each one, reads the skill resources, and prints one JSON
// line with what it saw. The C# test (McpClientScriptTests) starts the platform and asserts on that line.
//
// Environment: ALAVIDA_URL, ALAVIDA_API_KEY (a team key), ALAVIDA_DOTNET (the dotnet host), ALAVIDA_CLI (alavida.dll),
// MCP_PROJECT (the stdio server's working directory), MCP_DOMAIN (a company domain unique to the test run).
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const env = (name) => process.env[name] ?? (() => { throw new Error(`${name} is not set`); })();
const url = env("ALAVIDA_URL");
const key = env("ALAVIDA_API_KEY");

async function exercise(transport, { install }) {
  const client = new Client({ name: "alavida-mcp-test", version: "1.0.0" });
  await client.connect(transport);
  const seen = { server: client.getServerVersion()?.name, tools: [], calls: {} };
  try {
    seen.tools = (await client.listTools()).tools.map((t) => ({ name: t.name, required: t.inputSchema.required ?? [], described: !!t.description }));
    const call = async (label, name, args) => {
      const result = await client.callTool({ name, arguments: args });
      const text = result.content.filter((c) => c.type === "text").map((c) => c.text);
      seen.calls[label] = { isError: result.isError === true, text };
      return text;
    };
    const json = (text) => JSON.parse(text[0]);

    await call("search_registry", "search_registry", { query: "identity" });
    await call("get_component", "get_component", { slug: "identity" });
    const started = json(await call("run_component", "run_component", {
      quantum: "identity", action: "resolve-company", input: { companies: [{ domain: env("MCP_DOMAIN") }] },
    }));
    const job = json(await call("get_job", "get_job", { job_id: started.job_id, wait_seconds: 30 }));
    await call("list_jobs", "list_jobs", { limit: 5 });
    await call("get_trace", "get_trace", { trace_id: job.trace_id });
    await call("query_data", "query_data", { quantum: "identity", entity: "companies", filters: { domain: env("MCP_DOMAIN") } });
    await call("get_credits", "get_credits", {});
    await call("cancel_job", "cancel_job", { job_id: job.job_id }); // finished: refused, as a tool error
    if (install) {
      await call("install_component", "install_component", { slug: "identity" });
    }

    seen.resources = (await client.listResources()).resources.map((r) => r.uri);
    seen.templates = (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
    seen.skill = (await client.readResource({ uri: "alavida://skills/identity" })).contents[0];
  } finally {
    await client.close();
  }

  return seen;
}

const stdio = await exercise(new StdioClientTransport({
  command: env("ALAVIDA_DOTNET"),
  args: [env("ALAVIDA_CLI"), "mcp"],
  cwd: env("MCP_PROJECT"),
  env: { ...process.env, ALAVIDA_URL: url, ALAVIDA_API_KEY: key },
  stderr: "inherit",
}), { install: true });

const http = await exercise(new StreamableHTTPClientTransport(new URL("/mcp", url), {
  requestInit: { headers: { Authorization: `Bearer ${key}` } },
}), { install: false });

process.stdout.write(JSON.stringify({ stdio, http }) + "\n");
