import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';
import { type BrokerApp, buildBrokerApp } from '../../infra/broker-app.js';
import { type BrokerEnvironmentConfig, ENVIRONMENTS } from '../../infra/config.js';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
export type Json = any;

export const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'));

export interface Synth {
  readonly app: App;
  readonly built: BrokerApp;
  readonly synthError: unknown;
  readonly stateful: Template;
  readonly stateless: Template;
}

/**
 * Time for a `beforeAll` that synthesizes: the first synth in a worker loads aws-cdk-lib and
 * cdk-nag (over 15 s on a loaded 2-core machine), later ones take 1-6 s.
 */
export const SYNTH_TIMEOUT_MS = 240_000;

/** The app as `cdk synth -c env=<env>` builds it (same feature flags, cdk-nag), bundling skipped. */
export function synth(env: string, environments?: Record<string, BrokerEnvironmentConfig>): Synth {
  const app = new App({
    context: { ...cdkJson.context, env, 'aws:cdk:bundling-stacks': [] },
  });
  const built = buildBrokerApp(app, environments);
  let synthError: unknown;
  try {
    app.synth();
  } catch (error) {
    synthError = error;
  }
  return {
    app,
    built,
    synthError,
    stateful: Template.fromStack(built.stateful),
    stateless: Template.fromStack(built.stateless),
  };
}

/** The test environment during a rotation: one retired, one active and one next key. */
export const rotating: Record<string, BrokerEnvironmentConfig> = {
  test: {
    ...ENVIRONMENTS.test,
    signingKeys: [
      { name: 'k2025a', retired: true, kid: 'broker-test-2025a' },
      { name: 'k2026a', active: true },
      { name: 'k2026b' },
    ],
  },
};

/** Follows a `Fn::GetStackOutput` into the stateful template: the logical id it points at. */
export function statefulTarget(s: Synth, value: Json): string | undefined {
  const ref = value?.['Fn::GetStackOutput'];
  if (!ref) return undefined;
  expect(ref.StackName).toBe(s.built.stateful.stackName);
  const output = s.stateful.toJSON().Outputs?.[ref.OutputName]?.Value;
  return output?.['Fn::GetAtt']?.[0] ?? output?.Ref;
}

export function resourcesOf(t: Template, type: string): [string, Json][] {
  return Object.entries(t.findResources(type));
}

/** The logical id of a resource object taken from the same template's `toJSON()`. */
export function idOfResource(t: Template, resource: Json): string {
  const resources = t.toJSON().Resources as Record<string, Json>;
  return Object.keys(resources).find((id) => resources[id] === resource) as string;
}

export function logicalIdOf(t: Template, type: string, props: Json = {}): string {
  const found = Object.keys(t.findResources(type, { Properties: Match.objectLike(props) }));
  expect(found).toHaveLength(1);
  return found[0] as string;
}

/** The logical id of the KMS key behind an alias. */
export function keyByAlias(t: Template, aliasName: string): string {
  const [, alias] = resourcesOf(t, 'AWS::KMS::Alias').find(
    ([, resource]) => resource.Properties.AliasName === aliasName,
  ) ?? [undefined, undefined];
  expect(alias, aliasName).toBeDefined();
  return alias.Properties.TargetKeyId['Fn::GetAtt'][0];
}

/** The token function (the stateless stack also holds the key sync) and its properties. */
export function brokerFunction(s: Synth): Json {
  const functions = resourcesOf(s.stateless, 'AWS::Lambda::Function').filter(
    ([, fn]) => fn.Properties.FunctionName === s.built.config.names.function,
  );
  expect(functions).toHaveLength(1);
  return (functions[0] as [string, Json])[1];
}

/** The scheduled key sync function and its properties. */
export function keySyncFunction(s: Synth): Json {
  return functionNamed(s, s.built.config.names.keySyncFunction);
}

/** The scheduled canary function and its properties. */
export function canaryFunction(s: Synth): Json {
  return functionNamed(s, s.built.config.names.canaryFunction);
}

function functionNamed(s: Synth, name: string): Json {
  const functions = resourcesOf(s.stateless, 'AWS::Lambda::Function').filter(
    ([, fn]) => fn.Properties.FunctionName === name,
  );
  expect(functions).toHaveLength(1);
  return (functions[0] as [string, Json])[1];
}

/** Every statement of the function role's policies (it has no managed or inline role policies). */
export function functionRoleStatements(s: Synth, fn: Json = brokerFunction(s)): Json[] {
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  const role = s.stateless.toJSON().Resources[roleId];
  expect(role.Properties.ManagedPolicyArns ?? []).toEqual([]);
  expect(role.Properties.Policies ?? []).toEqual([]);
  const policies = resourcesOf(s.stateless, 'AWS::IAM::Policy').filter(([, policy]) =>
    policy.Properties.Roles.some((r: Json) => r.Ref === roleId),
  );
  expect(policies.length).toBeGreaterThan(0);
  return policies.flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
}

export const asList = (value: Json): Json[] => (Array.isArray(value) ? value : [value]);

/** A statement by its Sid; fails the test when there is not exactly one. */
export function statementBySid(statements: Json[], sid: string): Json {
  const found = statements.filter((statement) => statement.Sid === sid);
  expect(found, sid).toHaveLength(1);
  return found[0];
}
