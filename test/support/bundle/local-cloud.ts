import { randomBytes } from 'node:crypto';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import type { BrokerEnvironmentConfig } from '../../../infra/config.js';
import { resolveKid, toPublicSigningJwk } from '../../../shared/adapters/signing/kid.js';
import { DEMO, seedDemo } from '../../../shared/sandbox/demo.js';
import { type SandboxServer, startSandboxServer } from '../../../shared/sandbox/sandbox.js';
import { type DynaliteHarness, startDynalite } from '../dynalite.js';
import type { ServiceCaller } from './aws-json-service.js';
import {
  type CloudAssembly,
  type Json,
  readCloudAssembly,
  resourcesOfType,
  type SynthesizedFunction,
  type SynthesizedStack,
  synthesizedFunction,
  synthesizedFunctions,
} from './cloud-assembly.js';
import { functionIdentityPolicy } from './identity-policy.js';
import { type KmsFake, startKmsFake } from './kms-fake.js';
import { type LambdaContainer, startContainer } from './lambda-container.js';
import { type FunctionEnvironment, functionEnvironment } from './lambda-environment.js';
import { type PrivateApi, startPrivateApi } from './private-api.js';
import { type PrivateApiRequest, privateApiEvent } from './private-api-event.js';
import { type SecretsManagerFake, startSecretsManagerFake } from './secrets-manager-fake.js';
import { type SsmFake, startSsmFake } from './ssm-fake.js';
import { TemplateResolver } from './template-resolver.js';

/**
 * One environment's synthesized stacks brought up on loopback: every KMS key, secret, SSM
 * parameter and DynamoDB table the templates define, served by the local fakes and dynalite;
 * Maskinporten and Altinn as the sandbox, with the demo client holding every RSA key of the
 * templates; one set of credentials per function, authorised by that function's role. `start`
 * runs a function's bundle in a Lambda-like Node 24 process with the environment from its template.
 */
export interface LocalCloud {
  config: BrokerEnvironmentConfig;
  assembly: CloudAssembly;
  resolver: TemplateResolver;
  sandbox: SandboxServer;
  dynalite: DynaliteHarness;
  kms: KmsFake;
  secrets: SecretsManagerFake;
  ssm: SsmFake;
  /** The private API as the template configures it. */
  api: { id: string; stage: string; vpceIds: string[] };
  /**
   * That API on loopback for the functions that call it (key sync, canary): their execute-api
   * URLs in the template lead here; `privateApi.route(container)` puts a token function behind it.
   */
  privateApi: PrivateApi;
  functions: SynthesizedFunction[];
  /** The credentials and role of each function, by function name. */
  callers: Map<string, ServiceCaller>;
  /** The environment `start` gives a function. */
  environmentOf(functionName: string): FunctionEnvironment;
  start(functionName: string, options?: { assetDir?: string }): Promise<LambdaContainer>;
  /**
   * A private API event for this API, stage and first VPC endpoint, as the template configures
   * them (`apiId`, `stage`, `vpceId` override them: a forged or misrouted event).
   */
  event(request: EventRequest): Json;
  /** Every violation and denial the fakes recorded. */
  problems(): string[];
  close(): Promise<void>;
}

export type EventRequest = Omit<
  PrivateApiRequest,
  'apiId' | 'stage' | 'vpceId' | 'vpcId' | 'region' | 'accountId'
> &
  Partial<Pick<PrivateApiRequest, 'apiId' | 'stage' | 'vpceId'>>;

export interface LocalCloudOptions {
  /** `cdk synth -o <dir>` of this environment. */
  cdkOut: string;
  config: BrokerEnvironmentConfig;
  /** Scopes the sandbox's client holds besides the demo's. */
  extraScopes?: readonly string[];
}

export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const { config } = options;
  const assembly = readCloudAssembly(options.cdkOut);
  const wrongStacks = assembly.stacks.filter(
    (stack) => !stack.name.startsWith(`MaskinportenBroker-${config.name}-`),
  );
  if (wrongStacks.length > 0) {
    throw new Error(`${options.cdkOut} is not the ${config.name} environment's synth`);
  }
  const resolver = new TemplateResolver(assembly);
  const region = config.region;
  const functions = synthesizedFunctions(assembly);
  const callers = new Map<string, ServiceCaller>();
  for (const fn of functions) {
    const name = resolver.ref(fn.stack, fn.logicalId);
    callers.set(name, {
      credentials: {
        accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
        secretAccessKey: randomBytes(30).toString('base64'),
        sessionToken: randomBytes(60).toString('base64'),
      },
      policy: functionIdentityPolicy(fn, resolver),
      sessionName: name,
    });
  }
  const allCallers = () => [...callers.values()];
  const each = (type: string) =>
    assembly.stacks.flatMap((stack) =>
      resourcesOfType(stack, type).map(([id, resource]) => ({ stack, id, resource })),
    );
  const property = (stack: SynthesizedStack, resource: Json, name: string) =>
    resolver.resolve(stack, resource.Properties?.[name]);

  const [kms, secrets, ssm, dynalite, sandbox] = await Promise.all([
    startKmsFake({
      region,
      callers: allCallers,
      keys: each('AWS::KMS::Key').map(({ stack, id, resource }) => ({
        arn: resolver.getAtt(stack, id, 'Arn'),
        keySpec: resource.Properties.KeySpec === 'RSA_2048' ? 'RSA_2048' : 'SYMMETRIC_DEFAULT',
        enabled: resource.Properties.Enabled !== false,
      })),
    }),
    startSecretsManagerFake({
      region,
      callers: allCallers,
      secrets: each('AWS::SecretsManager::Secret').map(({ stack, id, resource }) => ({
        name: property(stack, resource, 'Name'),
        arn: resolver.ref(stack, id),
        value: property(stack, resource, 'SecretString') ?? '',
      })),
    }),
    startSsmFake({
      region,
      account: config.account,
      callers: allCallers,
      parameters: each('AWS::SSM::Parameter').map(({ stack, resource }) => ({
        name: property(stack, resource, 'Name'),
        type: property(stack, resource, 'Type'),
        value: property(stack, resource, 'Value'),
      })),
    }),
    startDynalite(),
    startSandboxServer({ tokenLifetimeSeconds: 120 }),
  ]);
  // The token cache as the stateful template defines it: a key schema the code does not use fails.
  for (const { stack, id, resource } of [
    ...each('AWS::DynamoDB::GlobalTable'),
    ...each('AWS::DynamoDB::Table'),
  ]) {
    await dynalite.client.send(
      new CreateTableCommand({
        TableName: resolver.ref(stack, id),
        KeySchema: resource.Properties.KeySchema,
        AttributeDefinitions: resource.Properties.AttributeDefinitions,
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
  // Ops register every live key (`npm run jwks` prints them) on the Maskinporten client.
  const rsaKeys = each('AWS::KMS::Key').filter(
    ({ resource }) => resource.Properties.KeySpec === 'RSA_2048',
  );
  const jwks = await Promise.all(
    rsaKeys.map(async ({ stack, id }) => {
      const publicKey = kms.publicKey(resolver.getAtt(stack, id, 'Arn'));
      return toPublicSigningJwk(publicKey, await resolveKid(publicKey));
    }),
  );
  const [firstJwk, ...moreJwks] = jwks;
  if (!firstJwk) throw new Error('the templates define no RSA signing key');
  seedDemo(sandbox, {
    clientId: DEMO.clientId,
    publicJwk: firstJwk,
    extraScopes: options.extraScopes ?? [],
  });
  for (const jwk of moreJwks) sandbox.maskinporten.addClientKey(DEMO.clientId, jwk);

  const stateless = assembly.stacks.find((stack) => stack.name.endsWith('-stateless'));
  const [apiStack, [apiLogicalId, apiResource]] = (() => {
    for (const stack of assembly.stacks) {
      const [found] = resourcesOfType(stack, 'AWS::ApiGateway::RestApi');
      if (found) return [stack, found] as const;
    }
    throw new Error('the templates define no REST API');
  })();
  const [, stage] = resourcesOfType(apiStack, 'AWS::ApiGateway::Stage')[0] ?? [];
  const api = {
    id: resolver.ref(apiStack, apiLogicalId),
    stage: property(apiStack, stage, 'StageName'),
    vpceIds: property(apiStack, apiResource, 'EndpointConfiguration').VpcEndpointIds,
  };

  const privateApi = await startPrivateApi({ config, api, callers });
  const urlStandIns: Array<readonly [string, string]> = [
    [config.maskinportenIssuer, sandbox.issuer],
    [config.altinnPlatformUrl, sandbox.altinnPlatformUrl],
    [config.maskinportenAdminUrl, sandbox.selfServiceUrl],
    ...privateApi.urlStandIns,
  ];
  const environmentOf = (functionName: string) => {
    const fn = synthesizedFunction(assembly, functionName);
    const caller = callers.get(functionName) as ServiceCaller;
    return functionEnvironment({
      fn,
      resolver,
      urlStandIns,
      endpoints: {
        kms: kms.endpoint,
        secretsManager: secrets.endpoint,
        ssm: ssm.endpoint,
        dynamodb: dynalite.endpoint,
      },
      extraCaFile: privateApi.caFile,
      credentials: {
        accessKeyId: caller.credentials.accessKeyId,
        secretAccessKey: caller.credentials.secretAccessKey,
        sessionToken: caller.credentials.sessionToken,
      },
    });
  };
  const containers: LambdaContainer[] = [];

  return {
    config,
    assembly,
    resolver,
    sandbox,
    dynalite,
    kms,
    secrets,
    ssm,
    api,
    privateApi,
    functions,
    callers,
    environmentOf,
    async start(functionName, startOptions = {}) {
      const fn = synthesizedFunction(assembly, functionName);
      const container = await startContainer({
        assetDir: startOptions.assetDir ?? fn.assetDir,
        env: environmentOf(functionName).env,
        timeoutMs: (fn.properties.Timeout ?? 3) * 1000,
        invokedFunctionArn: resolver.getAtt(fn.stack, fn.logicalId, 'Arn'),
      });
      containers.push(container);
      return container;
    },
    event: (request) =>
      privateApiEvent({
        ...request,
        apiId: request.apiId ?? api.id,
        stage: request.stage ?? api.stage,
        vpceId: request.vpceId ?? (api.vpceIds[0] as string),
        vpcId: config.network.vpcId,
        region,
        accountId: stateless?.account ?? config.account,
      }),
    problems: () => [
      ...kms.violations,
      ...kms.denials,
      ...secrets.violations,
      ...secrets.denials,
      ...ssm.violations,
      ...ssm.denials,
    ],
    async close() {
      await Promise.all(containers.map((container) => container.close()));
      await Promise.all([
        privateApi.close(),
        kms.close(),
        secrets.close(),
        ssm.close(),
        dynalite.close(),
        sandbox.close(),
      ]);
    },
  };
}
