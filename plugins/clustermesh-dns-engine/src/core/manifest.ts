/** Where an object came from, to point at lines. @public */
export interface ObjectSource {
  file: string;
  /** Index of the document in its file. */
  index: number;
  /** Line of the document's first line of content. */
  line: number;
  /** The document's value as parsed, for line numbers of its fields. */
  root: unknown;
  /**
   * A generated ConfigMap's or Secret's keys read whole from files (the
   * generator's `files`): each key's file, whose lines its text has.
   */
  keyFiles?: Readonly<Record<string, string>>;
  /**
   * What a generator could not read for a generated ConfigMap or Secret (a
   * missing env file, a URL): kustomize fails the build, and keys it would
   * hold are not known here.
   */
  unread?: string;
}

/**
 * A Kubernetes object as kustomize builds it and Flux applies it.
 * Bodies are never mutated: transformations return new objects that share
 * what did not change.
 *
 * @public
 */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  body: Record<string, any>;
  source: ObjectSource;
}

/** `group/Kind/namespace/name`, the identity Flux and kustomize use. @public */
export function objectKey(o: {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
  return `${group}/${o.kind}/${o.namespace ?? ''}/${o.name}`;
}

/** `Kind namespace/name` for messages. @public */
export function describeObject(o: {
  kind: string;
  namespace?: string;
  name: string;
}): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}
