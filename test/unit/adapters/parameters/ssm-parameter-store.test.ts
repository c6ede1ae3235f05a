import { describe, expect, it } from 'vitest';
import { SsmParameterStore } from '../../../../shared/adapters/parameters/ssm-parameter-store.js';
import {
  type Answer,
  CREDENTIALS,
  fakeAwsJson,
  useFakeAws,
} from '../../../support/fake-aws-json.js';

// SSM's GetParameter over AWS JSON 1.1, against a loopback SSM that checks the SigV4 signature.

const NAME = '/maskinporten-broker/test/caller-policy';

async function fakeSsm(answers: Answer[]) {
  const { endpoint, seen } = await fakeAwsJson('ssm', answers);
  const store = new SsmParameterStore({
    region: 'eu-north-1',
    credentials: async () => CREDENTIALS,
    endpoint,
    timeoutMs: 200,
  });
  return { store, seen };
}

const parameter = (value: string) => ({
  status: 200,
  body: JSON.stringify({ Parameter: { Name: NAME, Type: 'String', Value: value, Version: 3 } }),
});

describe('SsmParameterStore (GetParameter, signed)', () => {
  useFakeAws();

  it('reads the parameter with a valid SigV4 signature, from SSM every time', async () => {
    const { store, seen } = await fakeSsm([parameter('{"rules":[]}'), parameter('{"rules":[1]}')]);

    expect(await store.getText(NAME)).toBe('{"rules":[]}');
    expect(await store.getText(NAME)).toBe('{"rules":[1]}');
    expect(seen).toHaveLength(2);
    expect(seen[0]).toEqual({
      target: 'AmazonSSM.GetParameter',
      contentType: 'application/x-amz-json-1.1',
      body: { Name: NAME },
      signed: true,
    });
  });

  it('names the parameter and the AWS error type, once, for an answer trying again cannot change', async () => {
    const { store, seen } = await fakeSsm([
      {
        status: 400,
        headers: {
          'x-amzn-errortype':
            'ParameterNotFound:http://internal.amazon.com/coral/com.amazonaws.ssm/',
        },
        body: '{"__type":"ParameterNotFound"}',
      },
    ]);

    await expect(store.getText(NAME)).rejects.toThrow(
      `could not read SSM parameter ${NAME} (ParameterNotFound)`,
    );
    expect(seen).toHaveLength(1);
  });

  it('takes the type from the header when the body has none, without its namespace', async () => {
    const { store } = await fakeSsm([
      {
        status: 400,
        headers: { 'x-amzn-errortype': 'AccessDeniedException:http://internal.amazon.com/coral/' },
        body: '{"Message":"User arn:aws:sts::1:assumed-role/x is not authorized"}',
      },
    ]);
    await expect(store.getText(NAME)).rejects.toThrow(`(AccessDeniedException)`);
  });

  it('says the HTTP status of an answer that is not SSM’s, never its body', async () => {
    const { store } = await fakeSsm([{ status: 403, body: '<html>secret-looking</html>' }]);
    const error = await store.getText(NAME).catch((caught: Error) => caught);
    expect((error as Error).message).toBe(`could not read SSM parameter ${NAME} (HTTP 403)`);
  });

  it('tries once more after a throttle or a 5xx', async () => {
    const throttled = {
      status: 400,
      body: '{"__type":"com.amazonaws.ssm#ThrottlingException","message":"Rate exceeded"}',
    };
    const { store, seen } = await fakeSsm([throttled, parameter('a')]);
    expect(await store.getText(NAME)).toBe('a');
    expect(seen).toHaveLength(2);

    const failing = await fakeSsm([{ status: 500, body: '{"__type":"InternalServerError"}' }]);
    await expect(failing.store.getText(NAME)).rejects.toThrow('(InternalServerError)');
    expect(failing.seen).toHaveLength(2);
  });

  it('gives up after two attempts that get no answer in time', async () => {
    const { store, seen } = await fakeSsm([{ status: 200, hang: true }]);
    await expect(store.getText(NAME)).rejects.toThrow(
      `could not read SSM parameter ${NAME} (TimeoutError)`,
    );
    expect(seen).toHaveLength(2);
  });

  it('refuses an empty parameter', async () => {
    const { store } = await fakeSsm([parameter('')]);
    await expect(store.getText(NAME)).rejects.toThrow(`SSM parameter ${NAME} is empty`);
  });
});
