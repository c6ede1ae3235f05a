import type { Json, SynthesizedFunction } from './cloud-assembly.js';
import type { TemplateResolver } from './template-resolver.js';

/**
 * The function role's identity policy from the template, evaluated for the calls the local AWS
 * stand-ins receive: an explicit Deny wins, else an Allow whose action, resource and conditions
 * match, else the call is denied ("no identity-based policy allows"). Only what the templates use
 * is understood (Action/Resource with `*` and `?`, StringEquals/StringLike/StringNotEquals,
 * ArnEquals/ArnLike/ArnNotEquals); anything else throws, so a new construct cannot pass unchecked.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 */
export interface IdentityPolicy {
  /** The role the function runs as: `arn:aws:iam::<account>:role/<name>`. */
  roleArn: string;
  roleName: string;
  statements: readonly Json[];
}

export interface AuthorizationRequest {
  action: string;
  resource: string;
  /** Condition keys with the values the request carries (`kms:EncryptionContext:purpose`, ...). */
  context?: Readonly<Record<string, string>>;
}

export type AuthorizationVerdict = { allowed: true; sid: string } | { allowed: false; why: string };

/** The role of `fn` and every statement of its policies, resolved to stand-in values. */
export function functionIdentityPolicy(
  fn: SynthesizedFunction,
  resolver: TemplateResolver,
): IdentityPolicy {
  const roleRef = fn.properties.Role?.['Fn::GetAtt']?.[0];
  const role = roleRef ? fn.stack.template.Resources[roleRef] : undefined;
  if (role?.Type !== 'AWS::IAM::Role') {
    throw new Error(`${fn.logicalId}: Role is not a role of its own stack`);
  }
  if ((role.Properties.ManagedPolicyArns ?? []).length > 0) {
    throw new Error(`${roleRef} has managed policies: their statements are not in the template`);
  }
  const inline = (role.Properties.Policies ?? []).flatMap(
    (policy: Json) => policy.PolicyDocument.Statement,
  );
  const attached = Object.values<Json>(fn.stack.template.Resources)
    .filter(
      (resource) =>
        resource.Type === 'AWS::IAM::Policy' &&
        resource.Properties.Roles.some((r: Json) => r.Ref === roleRef),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
  return {
    roleArn: resolver.getAtt(fn.stack, roleRef, 'Arn'),
    roleName: resolver.ref(fn.stack, roleRef),
    statements: resolver.resolve(fn.stack, [...inline, ...attached]),
  };
}

export function authorize(
  policy: IdentityPolicy,
  request: AuthorizationRequest,
): AuthorizationVerdict {
  const matching = policy.statements.filter((statement) => matches(statement, request));
  const deny = matching.find((statement) => statement.Effect === 'Deny');
  if (deny) {
    return { allowed: false, why: `an explicit deny (${deny.Sid ?? 'no Sid'}) in its policy` };
  }
  const allow = matching.find((statement) => statement.Effect === 'Allow');
  if (allow) return { allowed: true, sid: allow.Sid ?? 'no Sid' };
  return { allowed: false, why: `no identity-based policy allows the ${request.action} action` };
}

/** AWS's wording of a denial, as the services put it in `AccessDeniedException`. */
export function accessDeniedMessage(
  policy: IdentityPolicy,
  sessionName: string,
  request: AuthorizationRequest,
  why: string,
): string {
  const [, , , , account] = policy.roleArn.split(':');
  return `User: arn:aws:sts::${account}:assumed-role/${policy.roleName}/${sessionName} is not authorized to perform: ${request.action} on resource: ${request.resource} because ${why}`;
}

function matches(statement: Json, request: AuthorizationRequest): boolean {
  for (const unsupported of ['NotAction', 'NotResource', 'NotPrincipal', 'Principal']) {
    if (unsupported in statement) throw new Error(`identity policy uses ${unsupported}`);
  }
  return (
    list(statement.Action).some((pattern) => glob(pattern, request.action, true)) &&
    list(statement.Resource).some((pattern) => glob(pattern, request.resource, false)) &&
    conditionsHold(statement.Condition ?? {}, request.context ?? {})
  );
}

function conditionsHold(
  conditions: Record<string, Record<string, Json>>,
  context: Readonly<Record<string, string>>,
): boolean {
  const lowerCased = new Map(Object.entries(context).map(([k, v]) => [k.toLowerCase(), v]));
  return Object.entries(conditions).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => {
      const actual = lowerCased.get(key.toLowerCase());
      const values = list(expected).map(String);
      switch (operator) {
        case 'StringEquals':
        case 'ArnEquals':
          return actual !== undefined && values.includes(actual);
        case 'StringLike':
        case 'ArnLike':
          return actual !== undefined && values.some((value) => glob(value, actual, false));
        case 'StringNotEquals':
        case 'ArnNotEquals':
          return actual === undefined || !values.includes(actual);
        default:
          throw new Error(`identity policy uses the condition operator ${operator}`);
      }
    }),
  );
}

/** IAM wildcards: `*` any run, `?` one character; actions compare case-insensitively. */
function glob(pattern: string, value: string, ignoreCase: boolean): boolean {
  const regex = pattern
    .split('')
    .map((char) =>
      char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/, '\\$&'),
    )
    .join('');
  return new RegExp(`^${regex}$`, ignoreCase ? 'is' : 's').test(value);
}

function list(value: Json): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
