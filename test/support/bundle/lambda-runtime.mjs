// What the AWS Lambda Node.js runtime does with a function, for the bundle tests: import the module
// `_HANDLER` names from LAMBDA_TASK_ROOT (trying .js, .mjs, .cjs as the runtime does), report an
// init error with the runtime's error types, then run one invocation at a time with a Lambda
// context. Invocations arrive as JSON lines on stdin; results, init errors and crashes go out as
// JSON lines on fd 3, so stdout and stderr carry only what the function itself writes (plus one
// end-of-invocation line each, which the harness strips). Plain JavaScript with no imports but
// Node's own: it runs from a temporary directory beside the bundle, where nothing can be resolved.
import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

// The harness strips lines starting with this (lambda-container.ts).
const END_OF_INVOCATION = '\u001eend-of-invocation ';
const control = createWriteStream('', { fd: 3 });
const send = (message) => control.write(`${JSON.stringify(message)}\n`);
/** The last message before the process ends: written out before it exits. */
const sendAndExit = (message, code) =>
  control.end(`${JSON.stringify(message)}\n`, () => process.exit(code));
const describe = (error) => ({
  errorType: error?.name ?? typeof error,
  errorMessage: error instanceof Error ? error.message : String(error),
  stack: error instanceof Error ? String(error.stack).split('\n').slice(0, 12) : [],
});

const handlerSetting = process.env._HANDLER ?? '';
const dot = handlerSetting.lastIndexOf('.');
const moduleName = handlerSetting.slice(0, dot);
const exportName = handlerSetting.slice(dot + 1);
const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
const file = ['.js', '.mjs', '.cjs']
  .map((extension) => join(taskRoot, `${moduleName}${extension}`))
  .find((candidate) => existsSync(candidate));

let current;
function crash(errorType, error) {
  sendAndExit({ type: 'crash', id: current, ...describe(error), errorType }, 129);
}
process.on('unhandledRejection', (reason) => crash('Runtime.UnhandledPromiseRejection', reason));
process.on('uncaughtException', (error) => crash('Runtime.UncaughtException', error));

let handler;
const started = performance.now();
try {
  if (!file) throw new Error(`Cannot find module '${moduleName}' in ${taskRoot}`);
  const module = await import(pathToFileURL(file).href);
  handler = module[exportName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${moduleName}.${exportName} is undefined or not exported`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
} catch (error) {
  const errorType = error?.name?.startsWith('Runtime.')
    ? error.name
    : error instanceof SyntaxError
      ? 'Runtime.UserCodeSyntaxError'
      : 'Runtime.ImportModuleError';
  sendAndExit({ type: 'init-error', ...describe(error), errorType }, 1);
}
// After an init error the process is on its way out.
if (handler) {
  send({ type: 'ready', importMs: performance.now() - started });

  const flushed = (stream, text) => new Promise((resolve) => stream.write(text, () => resolve()));
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    const invocation = JSON.parse(line);
    current = invocation.id;
    process.env._X_AMZN_TRACE_ID = invocation.traceId;
    const deadline = Date.now() + invocation.timeoutMs;
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: invocation.invokedFunctionArn,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: invocation.requestId,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done() {},
      fail() {},
      succeed() {},
    };
    const invoked = performance.now();
    let outcome;
    try {
      outcome = { result: await handler(invocation.event, context) };
    } catch (error) {
      outcome = { error: describe(error) };
    }
    const durationMs = performance.now() - invoked;
    await flushed(process.stdout, `${END_OF_INVOCATION}${invocation.id}\n`);
    await flushed(process.stderr, `${END_OF_INVOCATION}${invocation.id}\n`);
    send({ type: 'result', id: invocation.id, durationMs, ...outcome });
  }
  process.exit(0);
}
