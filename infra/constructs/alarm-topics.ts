import { Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { BrokerEnvironmentConfig } from '../config.js';

/** An alarm's ARN from its name: topic and key policies name alarms before (and without) them. */
export function alarmArn(scope: Construct, alarmName: string): string {
  const { region, account } = Stack.of(scope);
  return `arn:aws:cloudwatch:${region}:${account}:alarm:${alarmName}`;
}

/**
 * Two encrypted SNS topics: `paging` (the composite "broker degraded" alarm; the on-call e-mail and
 * the configured on-call topic) and `tickets` (everything else). `enforceSSL` makes CDK write a
 * topic policy with only a Deny, which drops SNS's default permission for CloudWatch to publish;
 * `admitAlarms` adds it back for exactly the named alarms, on the topic and on its key.
 */
export class AlarmTopics extends Construct {
  readonly paging: sns.Topic;
  readonly tickets: sns.Topic;
  readonly key: kms.Key;
  readonly #admitted = new Map<sns.Topic, string[]>();

  constructor(scope: Construct, id: string, config: BrokerEnvironmentConfig) {
    super(scope, id);
    this.key = new kms.Key(this, 'TopicKey', {
      description: `Encrypts the maskinporten-broker alarm topics (${config.name})`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.paging = this.topic(
      'Paging',
      `maskinporten-broker ${config.name} paging`,
      config.alarms.email,
    );
    this.tickets = this.topic(
      'Tickets',
      `maskinporten-broker ${config.name} tickets`,
      config.alarms.ticketEmail,
    );
  }

  /**
   * Lets CloudWatch publish to `topic` for these alarms only: `sns:Publish` on the topic and the
   * key's data-key actions, both conditioned on this account and the alarms' ARNs (the
   * confused-deputy guard AWS documents for service principals). Each construct admits its own
   * alarms; one statement per topic lists them all.
   */
  admitAlarms(topic: sns.Topic, alarmNames: readonly string[]): void {
    const admitted = this.#admitted.get(topic);
    if (admitted) {
      admitted.push(...alarmNames);
      return;
    }
    const names = [...alarmNames];
    this.#admitted.set(topic, names);
    const conditions = {
      StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      ArnLike: {
        'aws:SourceArn': Lazy.list({ produce: () => names.map((name) => alarmArn(this, name)) }),
      },
    };
    const cloudWatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions,
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `CloudWatchAlarmsPublishTo${topic.node.id}`,
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions,
      }),
    );
  }

  private topic(id: string, displayName: string, email: string | undefined): sns.Topic {
    const topic = new sns.Topic(this, id, { displayName, masterKey: this.key, enforceSSL: true });
    if (email) topic.addSubscription(new subscriptions.EmailSubscription(email));
    return topic;
  }
}
