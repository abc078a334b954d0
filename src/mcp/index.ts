/**
 * The agent surface over the Model Context Protocol: an MCP server bound to one `AgentSession`
 * (`gittrix mcp` runs it over stdio), its tools, their output bounds, and the journal of tool calls.
 */
export {
  argumentsDigest,
  type CheckpointCalls,
  type ToolCallClient,
  ToolCallJournal,
  type ToolCallRecord,
} from './journal.ts'
export { cutText, DEFAULT_LIMITS, type OutputLimits } from './limits.ts'
export {
  createMcpServer,
  type GittrixMcpServer,
  type McpServerOptions,
  type McpSessionSummary,
  serveStdio,
} from './server.ts'
export { TOOLS, type ToolDefinition, type ToolHints, type ToolOutput } from './tools.ts'
