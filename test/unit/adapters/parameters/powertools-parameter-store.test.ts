import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { PowertoolsParameterStore } from '../../../../shared/adapters/parameters/powertools-parameter-store.js';

const NAME = '/maskinporten-broker/test/caller-policy';
const ssm = mockClient(SSMClient);
const store = () =>
  new PowertoolsParameterStore({ client: new SSMClient({ region: 'eu-north-1' }) });

afterEach(() => {
  ssm.reset();
});

describe('PowertoolsParameterStore (SSM through Powertools Parameters)', () => {
  it('reads the String parameter, from SSM every time (the caller decides how often)', async () => {
    ssm
      .on(GetParameterCommand, { Name: NAME })
      .resolvesOnce({ Parameter: { Name: NAME, Type: 'String', Value: '{"rules":[]}' } })
      .resolvesOnce({ Parameter: { Name: NAME, Type: 'String', Value: '{"rules":[1]}' } });
    const parameters = store();

    expect(await parameters.getText(NAME)).toBe('{"rules":[]}');
    expect(await parameters.getText(NAME)).toBe('{"rules":[1]}');
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it('names the parameter and the AWS error when it cannot be read, never a value', async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));

    await expect(store().getText(NAME)).rejects.toThrow(
      `could not read SSM parameter ${NAME} (ParameterNotFound)`,
    );
  });

  it('refuses an empty parameter', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: NAME, Type: 'String', Value: '' } });

    await expect(store().getText(NAME)).rejects.toThrow(`SSM parameter ${NAME} is empty`);
  });
});
