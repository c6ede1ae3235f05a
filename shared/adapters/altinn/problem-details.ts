import { redactJwts } from '../../domain/redact.js';
import type { AltinnProblem, AltinnValidationError } from '../../ports/altinn.js';
import { field, isObject, type JsonObject, parseJsonText, stringField } from './altinn-json.js';

const MAX_TEXT = 500;
const MAX_VALIDATION_ERRORS = 20;
const MAX_PATHS = 10;

/**
 * Reads an Altinn ProblemDetails body (RFC 9457 plus Altinn's `code` and `validationErrors`), in
 * both wire shapes: pre-v5 (`type` an RFC 9110 link, message in `detail`, `validationErrors[].detail`)
 * and v5+ (`type: urn:altinn:error:<code>`, message in `title`, `validationErrors[].title`). Also
 * ASP.NET's plain `errors: {field: [messages]}`. Tolerates a BOM, any key casing, HTML and junk:
 * whatever cannot be read is left out, texts are cut short, and JWT-shaped text is redacted (it
 * would reach the caller's answer and the logs).
 *
 * @see https://github.com/Altinn/altinn-authorization-utils/tree/main/src/Altinn.Authorization.ProblemDetails
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
export function parseProblemDetails(text: string): AltinnProblem {
  const parsed = parseJsonText(redactJwts(text));
  if (!isObject(parsed)) return { validationErrors: [] };
  const problem: AltinnProblem = { validationErrors: readValidationErrors(parsed) };
  const type = stringField(parsed, 'type', MAX_TEXT);
  const title = stringField(parsed, 'title', MAX_TEXT);
  const detail = stringField(parsed, 'detail', MAX_TEXT);
  const code = stringField(parsed, 'code', 50) ?? codeFromType(type);
  const status = field(parsed, 'status');
  if (type) problem.type = type;
  if (title) problem.title = title;
  if (detail) problem.detail = detail;
  if (code) problem.code = code;
  if (typeof status === 'number' && Number.isInteger(status)) problem.status = status;
  return problem;
}

/** v5 puts the code in `type` as `urn:altinn:error:<code>` too; used when `code` is missing. */
function codeFromType(type: string | undefined): string | undefined {
  const match = type ? /^urn:altinn:error:([\w.-]{1,50})$/.exec(type) : null;
  return match?.[1];
}

function readValidationErrors(problem: JsonObject): AltinnValidationError[] {
  const list = field(problem, 'validationErrors');
  if (Array.isArray(list)) {
    return list.filter(isObject).slice(0, MAX_VALIDATION_ERRORS).map(readValidationError);
  }
  // ASP.NET's ValidationProblemDetails: {"errors": {"$.field": ["message", ...]}}.
  const errors = field(problem, 'errors');
  if (!isObject(errors)) return [];
  return Object.entries(errors)
    .slice(0, MAX_VALIDATION_ERRORS)
    .map(([path, messages]) => {
      const first = Array.isArray(messages)
        ? messages.find((m) => typeof m === 'string')
        : messages;
      const error: AltinnValidationError = { paths: [path.slice(0, MAX_TEXT)] };
      if (typeof first === 'string') error.detail = first.slice(0, MAX_TEXT);
      return error;
    });
}

function readValidationError(entry: JsonObject): AltinnValidationError {
  const rawPaths = field(entry, 'paths');
  const paths = Array.isArray(rawPaths)
    ? rawPaths
        .filter((p): p is string => typeof p === 'string')
        .slice(0, MAX_PATHS)
        .map((p) => p.slice(0, MAX_TEXT))
    : [];
  const error: AltinnValidationError = { paths };
  const code = stringField(entry, 'code', 50);
  const title = stringField(entry, 'title', MAX_TEXT);
  const detail = stringField(entry, 'detail', MAX_TEXT);
  if (code) error.code = code;
  if (title) error.title = title;
  if (detail) error.detail = detail;
  return error;
}
