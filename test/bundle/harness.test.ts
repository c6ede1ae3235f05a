import {
  DecryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
  SignCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceCaller } from '../support/bundle/aws-json-service.js';
import type { CloudAssembly, SynthesizedStack } from '../support/bundle/cloud-assembly.js';
import { authorize, type IdentityPolicy } from '../support/bundle/identity-policy.js';
import { type KmsFake, startKmsFake } from '../support/bundle/kms-fake.js';
import { replaceUrls } from '../support/bundle/lambda-environment.js';
import { TemplateResolver } from '../support/bundle/template-resolver.js';

// The harness's own parts, each shown to refuse what it must refuse: a stand-in that accepted
// anything would let every bundle test pass.

const stack = (name: string, template: object): SynthesizedStack => ({
  name,
  account: '111111111111',
  region: 'eu-north-1',
  template,
  fileAssets: {},
});

describe('the template resolver', () => {
  const stateful = stack('App-stateful', {
    Resources: { Key: { Type: 'AWS::KMS::Key', Properties: {} } },
    Outputs: { KeyArn: { Value: { 'Fn::GetAtt': ['Key', 'Arn'] } } },
  });
  const stateless = stack('App-stateless', {
    Resources: {
      Api: { Type: 'AWS::ApiGateway::RestApi', Properties: {} },
      Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
    },
  });
  const assembly: CloudAssembly = { dir: '/nowhere', stacks: [stateful, stateless] };
  const resolver = new TemplateResolver(assembly);

  it('follows Fn::GetStackOutput into the other stack and gives the key a stable ARN', () => {
    const value = {
      'Fn::Join': [
        '',
        [
          'kms:',
          {
            'Fn::GetStackOutput': {
              StackName: 'App-stateful',
              OutputName: 'KeyArn',
              Region: 'eu-north-1',
            },
          },
        ],
      ],
    };
    const first = resolver.resolve(stateless, value);
    expect(first).toMatch(/^kms:arn:aws:kms:eu-north-1:111111111111:key\/[0-9a-f-]{36}$/);
    expect(resolver.resolve(stateless, value)).toBe(first);
    expect(first).toBe(`kms:${resolver.getAtt(stateful, 'Key', 'Arn')}`);
  });

  it('substitutes pseudo parameters and references in Fn::Sub', () => {
    const url = resolver.resolve(stateless, {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's own ${} syntax
      'Fn::Sub': 'https://${Api}-vpce-1.execute-api.${AWS::Region}.${AWS::URLSuffix}/test',
    });
    expect(url).toMatch(
      /^https:\/\/[a-z0-9]{10}-vpce-1\.execute-api\.eu-north-1\.amazonaws\.com\/test$/,
    );
  });

  it('throws on what it has no stand-in for, naming it', () => {
    expect(() => resolver.resolve(stateless, { Ref: 'Queue' })).toThrow(
      'no local stand-in for Ref to AWS::SQS::Queue (App-stateless/Queue)',
    );
    expect(() => resolver.resolve(stateless, { 'Fn::If': ['c', 'a', 'b'] })).toThrow(
      'no local stand-in for Fn::If',
    );
    expect(() =>
      resolver.resolve(stateless, {
        'Fn::GetStackOutput': { StackName: 'App-stateful', OutputName: 'Missing' },
      }),
    ).toThrow('App-stateful has no output Missing');
  });
});

describe('the identity policy check', () => {
  const policy: IdentityPolicy = {
    roleArn: 'arn:aws:iam::111111111111:role/fn',
    roleName: 'fn',
    statements: [
      {
        Sid: 'Sign',
        Effect: 'Allow',
        Action: 'kms:Sign',
        Resource: 'arn:aws:kms:eu-north-1:111111111111:key/k1',
        Condition: { StringEquals: { 'kms:MessageType': 'DIGEST' } },
      },
      {
        Sid: 'Secret',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: 'arn:aws:secretsmanager:eu-north-1:111111111111:secret:app/config-??????',
      },
      {
        Sid: 'NoOther',
        Effect: 'Deny',
        Action: 'secretsmanager:*',
        Resource: 'arn:aws:secretsmanager:eu-north-1:111111111111:secret:app/config-Forbid',
      },
    ],
  };
  const key = 'arn:aws:kms:eu-north-1:111111111111:key/k1';
  const secret = 'arn:aws:secretsmanager:eu-north-1:111111111111:secret:app/config-';

  it('allows only when action, resource and every condition match', () => {
    const sign = { action: 'kms:Sign', resource: key };
    expect(authorize(policy, { ...sign, context: { 'kms:MessageType': 'DIGEST' } })).toEqual({
      allowed: true,
      sid: 'Sign',
    });
    expect(authorize(policy, { ...sign, context: { 'kms:MessageType': 'RAW' } }).allowed).toBe(
      false,
    );
    expect(authorize(policy, sign).allowed).toBe(false);
    expect(authorize(policy, { ...sign, resource: `${key}2` }).allowed).toBe(false);
  });

  it('matches ? as one character, and an explicit deny wins', () => {
    const read = { action: 'secretsmanager:GetSecretValue' };
    expect(authorize(policy, { ...read, resource: `${secret}AbCdEf` }).allowed).toBe(true);
    expect(authorize(policy, { ...read, resource: `${secret}AbCdE` }).allowed).toBe(false);
    expect(authorize(policy, { ...read, resource: `${secret}Forbid` })).toMatchObject({
      allowed: false,
      why: expect.stringContaining('explicit deny'),
    });
  });
});

describe('the KMS stand-in, called by the real SDK client', () => {
  const keyArn = 'arn:aws:kms:eu-north-1:111111111111:key/11111111-2222-4333-8444-555555555555';
  const signingKey = 'arn:aws:kms:eu-north-1:111111111111:key/66666666-2222-4333-8444-555555555555';
  const caller: ServiceCaller = {
    credentials: { accessKeyId: 'ASIATEST', secretAccessKey: 'secret', sessionToken: 'token' },
    sessionName: 'fn',
    policy: {
      roleArn: 'arn:aws:iam::111111111111:role/fn',
      roleName: 'fn',
      statements: [
        {
          Effect: 'Allow',
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          Resource: keyArn,
          Condition: { StringEquals: { 'kms:EncryptionContext:purpose': 'seal' } },
        },
        {
          Effect: 'Allow',
          Action: 'kms:Sign',
          Resource: signingKey,
          Condition: { StringEquals: { 'kms:MessageType': 'DIGEST' } },
        },
      ],
    },
  };
  let kms: KmsFake;
  let client: KMSClient;

  beforeAll(async () => {
    kms = await startKmsFake({
      region: 'eu-north-1',
      callers: () => [caller],
      keys: [
        { arn: keyArn, keySpec: 'SYMMETRIC_DEFAULT', enabled: true },
        { arn: signingKey, keySpec: 'RSA_2048', enabled: true },
      ],
    });
    client = new KMSClient({
      region: 'eu-north-1',
      endpoint: kms.endpoint,
      credentials: caller.credentials,
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client?.destroy();
    await kms?.close();
  });

  it('opens a data key only with exactly the encryption context it was made with', async () => {
    const context = { purpose: 'seal', table: 't1' };
    const made = await client.send(
      new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: 'AES_256', EncryptionContext: context }),
    );
    const opened = await client.send(
      new DecryptCommand({ CiphertextBlob: made.CiphertextBlob, EncryptionContext: context }),
    );
    expect(Buffer.from(opened.Plaintext ?? []).equals(Buffer.from(made.Plaintext ?? []))).toBe(
      true,
    );
    await expect(
      client.send(
        new DecryptCommand({
          CiphertextBlob: made.CiphertextBlob,
          EncryptionContext: { ...context, table: 't2' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    expect(kms.encryptionContexts(keyArn)).toHaveLength(3);
  });

  it("refuses what the role's conditions do not allow, as AccessDeniedException", async () => {
    await expect(
      client.send(
        new GenerateDataKeyCommand({
          KeyId: keyArn,
          KeySpec: 'AES_256',
          EncryptionContext: { purpose: 'other' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(
      client.send(
        new SignCommand({
          KeyId: signingKey,
          Message: new Uint8Array(32),
          MessageType: 'RAW',
          SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(kms.denials).toHaveLength(2);
  });

  it('records a request the SDK would never send: wrong target, unsigned', async () => {
    const before = kms.violations.length;
    const wrongTarget = await fetch(kms.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'TrentService.ScheduleKeyDeletion',
      },
      body: '{}',
    });
    expect(wrongTarget.status).toBe(400);
    expect(wrongTarget.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    const unsigned = await fetch(kms.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'TrentService.Sign',
      },
      body: '{}',
    });
    expect(unsigned.status).toBe(403);
    expect(kms.violations.slice(before)).toHaveLength(2);
  });

  it('with another signing client: a wrong region in the scope is refused', async () => {
    const other = new KMSClient({
      region: 'eu-west-1',
      endpoint: kms.endpoint,
      credentials: caller.credentials,
      maxAttempts: 1,
    });
    await expect(
      other.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: 'AES_256' })),
    ).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    other.destroy();
  });
});

describe('URL stand-ins', () => {
  const standIns = [['https://test.maskinporten.no/', 'http://127.0.0.1:1/mp/']] as const;

  it('replace a real base URL at the start of a value, and nothing else', () => {
    expect(replaceUrls('https://test.maskinporten.no/', standIns)).toBe('http://127.0.0.1:1/mp/');
    expect(replaceUrls('https://test.maskinporten.no/token', standIns)).toBe(
      'http://127.0.0.1:1/mp/token',
    );
    expect(replaceUrls('https://maskinporten.no/', standIns)).toBe('https://maskinporten.no/');
    expect(replaceUrls('x https://test.maskinporten.no/', standIns)).toBe(
      'x https://test.maskinporten.no/',
    );
  });
});
