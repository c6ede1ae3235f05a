import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
export type Json = any;

/** One synthesized stack: its template and where it deploys. */
export interface SynthesizedStack {
  name: string;
  account: string;
  region: string;
  template: Json;
  /** The stack's file assets by hash (`<stack>.assets.json`). */
  fileAssets: Record<string, { path: string; packaging: string }>;
}

/** `cdk synth -o <dir>` read back: the stacks of one environment. */
export interface CloudAssembly {
  dir: string;
  stacks: SynthesizedStack[];
}

/** A Lambda function a template defines, with the asset directory its `Code` names. */
export interface SynthesizedFunction {
  stack: SynthesizedStack;
  logicalId: string;
  properties: Json;
  /** The bundle directory in `cdk.out` that becomes the deployment zip. */
  assetDir: string;
  /** `index.mjs` for the handler `index.handler`. */
  handlerFile: string;
  /** `handler` for `index.handler`. */
  exportName: string;
}

/**
 * Reads a cloud assembly (`manifest.json`, the stack templates and asset manifests). Throws with
 * the directory named when it is not one, so a missing synth is a clear failure.
 */
export function readCloudAssembly(dir: string): CloudAssembly {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new Error(`${dir} is not a cloud assembly (no manifest.json): run cdk synth -o ${dir}`);
  }
  const manifest = readJson(manifestPath);
  const stacks: SynthesizedStack[] = [];
  for (const [name, artifact] of Object.entries<Json>(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const [, account, region] = /^aws:\/\/(\d{12})\/([a-z0-9-]+)$/.exec(artifact.environment) ?? [];
    if (!account || !region) throw new Error(`stack ${name} has no concrete environment`);
    const assetsFile = join(dir, `${name}.assets.json`);
    const fileAssets: SynthesizedStack['fileAssets'] = {};
    if (existsSync(assetsFile)) {
      for (const [hash, asset] of Object.entries<Json>(readJson(assetsFile).files ?? {})) {
        fileAssets[hash] = { path: asset.source.path, packaging: asset.source.packaging };
      }
    }
    stacks.push({
      name,
      account,
      region,
      template: readJson(join(dir, artifact.properties.templateFile)),
      fileAssets,
    });
  }
  if (stacks.length === 0) throw new Error(`${dir} holds no CloudFormation stack`);
  return { dir, stacks };
}

/** Every `AWS::Lambda::Function` of every stack, with its bundle. */
export function synthesizedFunctions(assembly: CloudAssembly): SynthesizedFunction[] {
  return assembly.stacks.flatMap((stack) =>
    Object.entries<Json>(stack.template.Resources ?? {})
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      .map(([logicalId, resource]) => toFunction(assembly, stack, logicalId, resource.Properties)),
  );
}

/** The one function named `functionName` (its `FunctionName` property). */
export function synthesizedFunction(
  assembly: CloudAssembly,
  functionName: string,
): SynthesizedFunction {
  const found = synthesizedFunctions(assembly).filter(
    (fn) => fn.properties.FunctionName === functionName,
  );
  if (found.length !== 1) {
    const names = synthesizedFunctions(assembly).map((fn) => fn.properties.FunctionName);
    throw new Error(`expected one function ${functionName}, found ${names.join(', ') || 'none'}`);
  }
  return found[0] as SynthesizedFunction;
}

/** The stack whose name ends with `suffix` (`-stateful`, `-stateless`). */
export function stackEndingWith(assembly: CloudAssembly, suffix: string): SynthesizedStack {
  const stack = assembly.stacks.find((s) => s.name.endsWith(suffix));
  if (!stack) throw new Error(`no stack ending with ${suffix} in ${assembly.dir}`);
  return stack;
}

/** The resources of one type in a template, as `[logicalId, resource]`. */
export function resourcesOfType(stack: SynthesizedStack, type: string): [string, Json][] {
  return Object.entries<Json>(stack.template.Resources ?? {}).filter(([, r]) => r.Type === type);
}

/** The one resource of a type; throws naming the type when there is not exactly one. */
export function onlyResource(stack: SynthesizedStack, type: string): [string, Json] {
  const found = resourcesOfType(stack, type);
  if (found.length !== 1) {
    throw new Error(`expected one ${type} in ${stack.name}, found ${found.length}`);
  }
  return found[0] as [string, Json];
}

function toFunction(
  assembly: CloudAssembly,
  stack: SynthesizedStack,
  logicalId: string,
  properties: Json,
): SynthesizedFunction {
  const key = properties.Code?.S3Key;
  const hash = typeof key === 'string' ? key.replace(/\.zip$/, '') : undefined;
  const asset = hash ? stack.fileAssets[hash] : undefined;
  if (asset?.packaging !== 'zip') {
    throw new Error(`${stack.name}/${logicalId}: Code does not name a zip asset of this assembly`);
  }
  const handler = String(properties.Handler ?? '');
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) throw new Error(`${stack.name}/${logicalId}: unexpected Handler ${handler}`);
  const assetDir = join(assembly.dir, asset.path);
  const base = handler.slice(0, dot);
  // The Node.js runtime's own order: .js, .mjs, .cjs.
  const handlerFile = ['.js', '.mjs', '.cjs']
    .map((extension) => `${base}${extension}`)
    .find((file) => existsSync(join(assetDir, file)));
  if (!handlerFile) throw new Error(`${assetDir} has no ${base}.js, .mjs or .cjs`);
  return {
    stack,
    logicalId,
    properties,
    assetDir,
    handlerFile,
    exportName: handler.slice(dot + 1),
  };
}

function readJson(path: string): Json {
  return JSON.parse(readFileSync(path, 'utf8'));
}
