/**
 * Schema validation that reports every problem at once as `path: message`, in the dotted form an installer
 * reads in YAML (`hours.mon[0]`, `faq[2].answer.zh`).
 */
import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject } from 'ajv';
import { ErrorCode, LinekeeperError } from '../errors.js';

/** One problem in a document. */
export interface Issue {
  /** Dotted path to the field, empty for the whole document. */
  path: string;
  /** What is wrong, naming the expected and the actual value. */
  message: string;
}

/** Formats issues one per line as `path: message`. */
export function formatIssues(issues: readonly Issue[]): string {
  return issues.map((i) => `${i.path || '(document)'}: ${i.message}`).join('\n');
}

/** Joins path segments as `a.b[0].c`. */
export function joinPath(...segments: (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

function pointerToPath(pointer: string): string {
  if (pointer === '') return '';
  const segments = pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  return joinPath(...segments);
}

function describe(error: ErrorObject): Issue {
  const base = pointerToPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return {
        path: joinPath(...(base ? [base] : []), String(params.missingProperty)),
        message: 'is required',
      };
    case 'additionalProperties':
      return {
        path: joinPath(...(base ? [base] : []), String(params.additionalProperty)),
        message: 'is not a known field (check the spelling)',
      };
    case 'enum':
      return { path: base, message: `must be one of ${(params.allowedValues as unknown[]).join(', ')}` };
    default:
      return { path: base, message: error.message ?? error.keyword };
  }
}

/** Validates `data` in place (filling defaults) and returns every problem found. */
export class SchemaValidator<T> {
  readonly #validate;

  constructor(readonly schema: TSchema) {
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true });
    this.#validate = ajv.compile<T>(schema);
  }

  /** Fills defaults into `data` and returns its issues; empty means valid. */
  check(data: unknown): Issue[] {
    if (this.#validate(data)) return [];
    const errors = this.#validate.errors ?? [];
    // A union of literals reports one error per member and then an `anyOf` summary: keep the summary only.
    const unionPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
    const seen = new Set<string>();
    const issues: Issue[] = [];
    for (const error of errors) {
      if (error.keyword !== 'anyOf' && unionPaths.has(error.instancePath)) continue;
      const issue =
        error.keyword === 'anyOf'
          ? { path: pointerToPath(error.instancePath), message: `must be one of ${allowedLiterals(error)}` }
          : describe(error);
      const key = `${issue.path}\u0000${issue.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      issues.push(issue);
    }
    return issues;
  }
}

function allowedLiterals(error: ErrorObject): string {
  const schema = error.parentSchema as { anyOf?: { const?: unknown }[] } | undefined;
  return (schema?.anyOf ?? []).map((member) => String(member.const)).join(', ');
}

/** Throws `Config_Invalid` naming the document and listing every issue, when there are any. */
export function assertNoIssues(what: string, issues: readonly Issue[]): void {
  if (issues.length === 0) return;
  const count = `${issues.length} problem${issues.length === 1 ? '' : 's'}`;
  throw new LinekeeperError(
    ErrorCode.Config_Invalid,
    `${what} is not valid:\n${formatIssues(issues)}\n${count}`,
    {
      context: { issues },
    },
  );
}
