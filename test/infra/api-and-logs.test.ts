import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../infra/config.js';
import {
  FUNCTION_TIMEOUT_MARGIN_MS,
  INTEGRATION_TIMEOUT_MARGIN_MS,
  reservedConcurrency,
} from '../../infra/sizing.js';
import {
  brokerFunction,
  type Json,
  logicalIdOf,
  resourcesOf,
  SYNTH_TIMEOUT_MS,
  type Synth,
  synth,
} from '../support/cdk-synth.js';

const synths = {} as Record<'test' | 'prod', Synth>;
beforeAll(() => {
  synths.test = synth('test');
  synths.prod = synth('prod');
}, SYNTH_TIMEOUT_MS);

/** Every logical id a value references (Ref, GetAtt, and ${...} in Fn::Sub). */
function referencesIn(value: Json, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencesIn(item, into);
  } else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') into.add(inner);
      else if (key === 'Fn::GetAtt') into.add((inner as string[])[0] as string);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? inner[0] : inner;
        for (const match of String(text).matchAll(/\$\{([A-Za-z0-9]+)(\.[^}]*)?\}/g)) {
          into.add(match[1] as string);
        }
        referencesIn(inner, into);
      } else referencesIn(inner, into);
    }
  }
  return into;
}

/** A cycle in the template's dependency graph (references and DependsOn), or undefined. */
function findCycle(resources: Record<string, Json>): string[] | undefined {
  const edges = new Map<string, string[]>();
  for (const [id, resource] of Object.entries(resources)) {
    const targets = new Set([
      ...referencesIn(resource.Properties ?? {}),
      ...(resource.DependsOn ? [resource.DependsOn].flat() : []),
    ]);
    edges.set(
      id,
      [...targets].filter((target) => target in resources),
    );
  }
  const state = new Map<string, 'open' | 'done'>();
  const visit = (id: string, path: string[]): string[] | undefined => {
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    if (state.get(id) === 'done') return undefined;
    state.set(id, 'open');
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next, [...path, id]);
      if (cycle) return cycle;
    }
    state.set(id, 'done');
    return undefined;
  };
  for (const id of edges.keys()) {
    const cycle = visit(id, []);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('findCycle', () => {
  it('finds a cycle through a reference and a DependsOn, and none in a chain', () => {
    expect(
      findCycle({
        Fn: { Properties: { Env: { Ref: 'Api' } } },
        Api: { Properties: {}, DependsOn: ['Method'] },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
        Method: { Properties: { Uri: { 'Fn::Sub': 'arn:${Fn.Arn}' } } },
      }),
    ).toEqual(['Fn', 'Api', 'Method', 'Fn']);
    expect(
      findCycle({
        Fn: { Properties: { Env: { Ref: 'Api' } } },
        Api: { Properties: {} },
        Method: { Properties: { Uri: { 'Fn::GetAtt': ['Fn', 'Arn'] } } },
      }),
    ).toBeUndefined();
  });
});

describe.each(['test', 'prod'] as const)('%s API Gateway and logs', (env) => {
  const config = ENVIRONMENTS[env];
  const s = () => synths[env];

  it('answers its own throttles, integration failures and timeouts in the broker shape with Retry-After', () => {
    const responses = new Map(
      resourcesOf(s().stateless, 'AWS::ApiGateway::GatewayResponse').map(([, r]) => [
        r.Properties.ResponseType,
        r.Properties,
      ]),
    );
    const expected: [string, string, string][] = [
      ['THROTTLED', '429', 'temporarily_unavailable'],
      ['INTEGRATION_FAILURE', '503', 'temporarily_unavailable'],
      ['INTEGRATION_TIMEOUT', '504', 'temporarily_unavailable'],
    ];
    for (const [type, status, error] of expected) {
      const response = responses.get(type);
      expect(response, type).toBeDefined();
      expect(response.StatusCode).toBe(status);
      expect(response.ResponseParameters).toEqual({
        'gatewayresponse.header.Content-Type': "'application/json'",
        'gatewayresponse.header.Retry-After': "'1'",
      });
      const body = JSON.parse(response.ResponseTemplates['application/json']);
      expect(Object.keys(body)).toEqual(['error', 'error_description']);
      expect(body.error).toBe(error);
    }
    expect(responses.get('DEFAULT_5XX').ResponseTemplates['application/json']).toBe(
      '{"error":"server_error","error_description":$context.error.messageString}',
    );
    for (const response of responses.values()) {
      expect(response.ResponseParameters['gatewayresponse.header.Content-Type']).toBe(
        "'application/json'",
      );
    }
  });

  it('times the integration out after the deadline and before the function, which stops after both', () => {
    const timeoutMs = config.deadlineMs + INTEGRATION_TIMEOUT_MARGIN_MS;
    const fn = brokerFunction(s());
    expect(fn.Properties.Timeout).toBe(
      Math.ceil((config.deadlineMs + FUNCTION_TIMEOUT_MARGIN_MS) / 1000),
    );
    expect(timeoutMs).toBeLessThan(fn.Properties.Timeout * 1000);
    expect(timeoutMs).toBeLessThanOrEqual(29_000);
    for (const [, method] of resourcesOf(s().stateless, 'AWS::ApiGateway::Method')) {
      expect(method.Properties.Integration.TimeoutInMillis).toBe(timeoutMs);
    }
  });

  it('reserves concurrency for peak rps at the deadline', () => {
    const reservation = brokerFunction(s()).Properties.ReservedConcurrentExecutions;
    expect(reservation).toBe(reservedConcurrency(config));
    expect(reservation).toBe(
      Math.ceil(config.function.peakRequestsPerSecond * (config.deadlineMs / 1000)),
    );
    expect(reservation).toBeGreaterThan(0);
  });

  it('creates the execution log group itself, with retention, before the stage can', () => {
    const t = s().stateless;
    const api = logicalIdOf(t, 'AWS::ApiGateway::RestApi');
    const groups = resourcesOf(t, 'AWS::Logs::LogGroup').filter(([, group]) =>
      JSON.stringify(group.Properties.LogGroupName ?? '').includes('API-Gateway-Execution-Logs_'),
    );
    expect(groups).toHaveLength(1);
    const [groupId, group] = groups[0] as [string, Json];
    expect(group.Properties.LogGroupName).toEqual({
      'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: api }, `/${env}`]],
    });
    expect(group.Properties.RetentionInDays).toBe(config.logRetentionDays);
    const [, stage] = resourcesOf(t, 'AWS::ApiGateway::Stage')[0] as [string, Json];
    expect(stage.DependsOn).toContain(groupId);
    expect(stage.Properties.MethodSettings[0].LoggingLevel).toBe('ERROR');
  });

  it('puts a retention on every log group of both stacks', () => {
    for (const t of [s().stateful, s().stateless]) {
      for (const [id, group] of resourcesOf(t, 'AWS::Logs::LogGroup')) {
        expect(group.Properties.RetentionInDays, id).toBe(config.logRetentionDays);
      }
    }
    // No log group is left to Lambda or API Gateway to create without one: the token function's,
    // the API's access and execution logs, the key sync's and the canary's.
    expect(resourcesOf(s().stateless, 'AWS::Logs::LogGroup')).toHaveLength(5);
    expect(resourcesOf(s().stateless, 'Custom::LogRetention')).toHaveLength(0);
  });

  it('has no reference cycle, though the function reads the API id and the API invokes the function', () => {
    const resources = s().stateless.toJSON().Resources;
    const fn = brokerFunction(s());
    const api = logicalIdOf(s().stateless, 'AWS::ApiGateway::RestApi');
    expect(fn.Properties.Environment.Variables.BROKER_API_ID).toEqual({ Ref: api });
    const fnId = Object.keys(resources).find((id) => resources[id] === fn) as string;
    for (const [, method] of resourcesOf(s().stateless, 'AWS::ApiGateway::Method')) {
      expect(referencesIn(method.Properties.Integration)).toContain(fnId);
    }
    expect(findCycle(resources)).toBeUndefined();
    expect(findCycle(s().stateful.toJSON().Resources)).toBeUndefined();
  });

  it('lets only API Gateway, from this API, invoke the function through its resource policy', () => {
    const api = logicalIdOf(s().stateless, 'AWS::ApiGateway::RestApi');
    const resources = s().stateless.toJSON().Resources;
    const fnId = Object.keys(resources).find((id) => resources[id] === brokerFunction(s()));
    const permissions = resourcesOf(s().stateless, 'AWS::Lambda::Permission').filter(
      ([, permission]) => referencesIn(permission.Properties.FunctionName).has(fnId as string),
    );
    expect(permissions.length).toBeGreaterThan(0);
    for (const [, permission] of permissions) {
      expect(permission.Properties).toMatchObject({
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
      });
      expect(referencesIn(permission.Properties.SourceArn)).toContain(api);
    }
  });
});
