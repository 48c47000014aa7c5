import { parseDocument } from 'yaml';
import { z } from 'zod';
import {
  conventionsSchema,
  MeshConventions,
  MeshConventionsInput,
} from './schema';

/** An error that names the field and the reason. @public */
export class ConventionsError extends Error {
  constructor(
    readonly issues: { path: string; message: string }[],
    source = 'conventions',
  ) {
    super(
      `${source}: ${issues
        .map(i => `${i.path || '(root)'}: ${i.message}`)
        .join('; ')}`,
    );
    this.name = 'ConventionsError';
  }
}

function deepMerge(base: any, over: any): any {
  if (over === undefined) return base;
  if (typeof base !== 'object' || base === null || Array.isArray(base))
    return over;
  if (typeof over !== 'object' || over === null || Array.isArray(over))
    return over;
  const out: any = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

/**
 * Validates conventions: explicit settings win over detected ones, which
 * win over the defaults.
 *
 * @public
 */
export function resolveConventions(
  explicit: MeshConventionsInput | undefined,
  detected: MeshConventionsInput = {},
  source = 'conventions',
): MeshConventions {
  const result = conventionsSchema.safeParse(
    deepMerge(detected, explicit ?? {}),
  );
  if (!result.success) {
    throw new ConventionsError(
      result.error.issues.map(i => ({
        path: i.path.join('.'),
        message: i.message,
      })),
      source,
    );
  }
  const unknown = unknownKeys(explicit ?? {}, conventionsSchema);
  if (unknown.length) {
    throw new ConventionsError(
      unknown.map(path => ({ path, message: 'is not a known setting' })),
      source,
    );
  }
  return result.data;
}

function unknownKeys(value: any, schema: z.ZodType, prefix = ''): string[] {
  const shape = unwrapObject(schema);
  if (
    !shape ||
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value)
  )
    return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (!(k in shape)) out.push(path);
    else out.push(...unknownKeys(v, shape[k], path));
  }
  return out;
}

function unwrapObject(schema: any): Record<string, z.ZodType> | undefined {
  let s = schema;
  for (let i = 0; i < 5 && s; i++) {
    if (s.shape) return s.shape;
    s = s.def?.innerType ?? s._def?.innerType;
  }
  return undefined;
}

/**
 * Reads the text of a conventions file into its (unvalidated) input object.
 *
 * @throws ConventionsError naming the file when it is not a YAML map
 * @public
 */
export function readConventionsFile(
  text: string,
  file = 'conventions file',
): MeshConventionsInput {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    throw new ConventionsError(
      [
        {
          path: '',
          message: `is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`,
        },
      ],
      file,
    );
  }
  const value = doc.toJS({ maxAliasCount: 50 }) ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConventionsError(
      [{ path: '', message: 'must be a YAML map' }],
      file,
    );
  }
  return value;
}

/**
 * Reads conventions from YAML text (a conventions file), over the defaults.
 *
 * @public
 */
export function parseConventions(
  text: string,
  file = 'conventions file',
): MeshConventions {
  return resolveConventions(readConventionsFile(text, file), {}, file);
}
