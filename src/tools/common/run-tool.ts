/**
 * Running a tool: parse its command line (usage errors exit 2, help exits 0), stop it on SIGINT, SIGTERM
 * or its own duration, turn failures into one line on stderr (exit 1) naming what is missing and what to
 * do, and flush its output. The tool itself owns and closes its kernel objects (`using`).
 */
import { TsbpfError } from '../../index.js';
import { parseToolArguments, usageHint } from './arguments.js';
import { ToolOutput } from './output.js';
import { checkTracingPrivileges } from './privileges.js';
import { ToolUsageError, type ToolContext, type ToolDefinition } from './tool.js';

export interface ToolIo {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Stops the run from outside (tests); SIGINT and SIGTERM always do. */
  signal?: AbortSignal;
}

export const ToolExit = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

export async function runTool<Flags>(tool: ToolDefinition<Flags>, argv: readonly string[], io: ToolIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((text: string) => { process.stdout.write(text); });
  const stderr = io.stderr ?? ((text: string) => { process.stderr.write(text); });
  let flags: Flags;
  let json: boolean;
  try {
    const outcome = parseToolArguments(tool as ToolDefinition<unknown>, argv);
    if (outcome.kind === 'help') {
      stdout(outcome.text);
      return ToolExit.OK;
    }
    flags = tool.parse(outcome.args);
    json = outcome.args.json;
  } catch (error) {
    if (!(error instanceof ToolUsageError)) throw error;
    stderr(`${tool.name}: ${error.message}\n${usageHint(tool as ToolDefinition<unknown>)}`);
    return ToolExit.USAGE;
  }

  const privileges = checkTracingPrivileges();
  if (!privileges.allowed) {
    stderr(`${tool.name}: this process lacks ${privileges.missing.join(' and ')}, which tracing programs need (or CAP_SYS_ADMIN); run it as root (sudo tsbpf ${tool.name}), or grant node those capabilities\n`);
    return ToolExit.FAILURE;
  }

  const controller = new AbortController();
  const stop = () => controller.abort();
  let timer: NodeJS.Timeout | undefined;
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  io.signal?.addEventListener('abort', stop, { once: true });
  if (io.signal?.aborted) stop();
  const out = new ToolOutput(stdout);
  const context: ToolContext = {
    out,
    err: stderr,
    signal: controller.signal,
    stopAfter(seconds) {
      clearTimeout(timer);
      timer = setTimeout(stop, seconds * 1000);
    },
    json,
  };
  // a tool waiting on the kernel alone (epoll on koffi's thread) must not let Node's loop run dry
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    return await tool.run(flags, context);
  } catch (error) {
    out.flush();
    if (error instanceof ToolUsageError) {
      stderr(`${tool.name}: ${error.message}\n${usageHint(tool as ToolDefinition<unknown>)}`);
      return ToolExit.USAGE;
    }
    if (error instanceof TsbpfError) {
      stderr(`${tool.name}: ${error.message}${error.hint ? `; ${error.hint}` : ''}\n`);
      return ToolExit.FAILURE;
    }
    throw error;
  } finally {
    out.flush();
    clearInterval(keepAlive);
    clearTimeout(timer);
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    io.signal?.removeEventListener('abort', stop);
  }
}
