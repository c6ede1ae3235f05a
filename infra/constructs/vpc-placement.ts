import { Annotations, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { VpcPlacement } from '../config.js';

/** What Lambda needs to attach a function to subnets (the actions of AWSLambdaVPCAccessExecutionRole). */
export const LAMBDA_VPC_ACTIONS = [
  'ec2:AssignPrivateIpAddresses',
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:UnassignPrivateIpAddresses',
];

/**
 * A function's place in the environment's VPC from config (`VpcPlacement`): the VPC, subnets and
 * security groups by id, imported without a lookup (nothing reads their route tables), as the
 * `vpc`, `vpcSubnets` and `securityGroups` of a function. The key sync and the canary use it.
 */
export function vpcPlacement(
  scope: Construct,
  vpcId: string,
  placement: VpcPlacement,
): Required<Pick<lambda.FunctionOptions, 'vpc' | 'vpcSubnets' | 'securityGroups'>> {
  const vpc = ec2.Vpc.fromVpcAttributes(scope, 'Vpc', {
    vpcId,
    availabilityZones: placement.subnetIds.map((_, index) => `az-${index}`),
  });
  const subnets = placement.subnetIds.map((subnetId) => {
    const subnet = ec2.Subnet.fromSubnetId(scope, subnetId, subnetId);
    Annotations.of(subnet).acknowledgeWarning(
      '@aws-cdk/aws-ec2:noSubnetRouteTableId',
      'The function is only placed in the subnet; nothing reads its route table.',
    );
    return subnet;
  });
  return {
    vpc,
    vpcSubnets: { subnets },
    securityGroups: placement.securityGroupIds.map((groupId) =>
      ec2.SecurityGroup.fromSecurityGroupId(scope, groupId, groupId, { mutable: false }),
    ),
  };
}

/**
 * The one wildcard a VPC function's role needs: the ENI actions Lambda performs for it
 * (`LambdaVpcNetworkInterfaces`), acknowledged for cdk-nag with the reason.
 */
export function allowVpcNetworkInterfaces(role: iam.Role): void {
  role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'LambdaVpcNetworkInterfaces',
      actions: LAMBDA_VPC_ACTIONS,
      resources: ['*'],
    }),
  );
  Validations.of(role).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason:
      'Only LambdaVpcNetworkInterfaces: Lambda creates, describes and deletes the ENIs of a function in a VPC with these actions; EC2 Describe* takes no resource, and AWS documents them (AWSLambdaVPCAccessExecutionRole) on *. Nothing else in the role is a wildcard.',
  });
}
