import {
  SourceLocation,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import {
  chartEnables,
  ciliumMeshConfigSecret,
  ciliumValuesPaths,
} from '../cilium/values';
import { getPath, isRecord } from '../core/paths';
import { firstFew } from '../core/text';
import { hasUnresolvedReference } from '../flux/envsubst';
import { everyNamespace, madeObject } from '../flux/providedSources';
import { stringMapAt } from '../flux/kustomize/immutable';
import { selectorAdmits } from '../k8s/labelSelector';
import {
  meshEntriesOf,
  secretMadeElsewhere,
  unreadValuesMaySet,
} from './queries';
import type { ClusterModel, MeshModel } from './types';

/**
 * Where a cluster's Cilium takes the CA that signs its ClusterMesh
 * certificates. A peer checks a clustermesh-apiserver's certificate (and
 * the server its client's) against its own CA, so the clusters of a mesh
 * share one, or each mesh entry names the peer's (`tls.caCert`, beside a
 * client certificate and key of its own).
 *
 * - `values`: `tls.ca.cert` with its `tls.ca.key` in the values (Cilium
 *   before 1.14 also read `clustermesh.apiserver.tls.ca.*`); the chart
 *   uses them as given, and ignores a certificate without its key.
 * - `secret`: the cluster applies the Secret the chart looks up when the
 *   values give none (`cilium-ca`, or the older `clustermesh-apiserver-ca-cert`),
 *   as a Secret, an (Cluster)ExternalSecret or a SealedSecret: `identity`
 *   is what it holds as written (equal text, equal data, one store).
 * - `certmanager`: cert-manager issues the certificates (`clustermesh.apiserver.tls.auto.method`).
 * - `provided`: the chart makes none (`clustermesh.apiserver.tls.auto.enabled: false`) and the values give no CA.
 * - `unread`: none of those in the values read, and values not read (a Secret's) may set `tls.ca`.
 * - `chart`: none of those: each install makes its own CA, unless a
 *   `cilium-ca` Secret was put in the cluster by hand (the chart reuses one it finds).
 *
 * @public
 */
export type ClusterCa = (
  | { kind: 'values'; value: string; known: boolean; path: string }
  | {
      kind: 'secret';
      /** The Secret's name: `cilium-ca`, or the older `clustermesh-apiserver-ca-cert`. */
      name: string;
      by: string;
      identity: string;
      /** The Kustomization applying it, SOPS-encrypted, without `spec.decryption`. */
      undecrypted?: string;
      /** A SealedSecret: each cluster's controller unseals it with its own key. */
      sealed?: boolean;
      /** Whether the Secret made carries Helm's ownership metadata (Helm may take it over). */
      helmOwned: boolean;
    }
  | { kind: 'certmanager'; issuer: string }
  | { kind: 'provided' }
  | { kind: 'unread'; sources: string }
  | {
      kind: 'chart';
      /** A CA Secret the cluster makes in another namespace, where the chart does not look. */
      elsewhere?: { secret: string; by: string; location: SourceLocation };
    }
) & {
  location: SourceLocation;
  /** Set where `tls.caBundle.enabled` makes the agents trust more CAs than their own. */
  trustBundle?: SourceLocation;
};

const caCertPaths = [
  ['tls', 'ca', 'cert'],
  ['clustermesh', 'apiserver', 'tls', 'ca', 'cert'],
];
const caSecretNames = ['cilium-ca', 'clustermesh-apiserver-ca-cert'];
const tlsAuto = ['clustermesh', 'apiserver', 'tls', 'auto'];

/** Asked once per cluster and once per peer: read once per cluster model. */
const read = new WeakMap<ClusterModel, ClusterCa | undefined>();

/**
 * The CA a cluster's ClusterMesh certificates come from; undefined when
 * its Cilium values are not read.
 *
 * @public
 */
export function clusterCa(cluster: ClusterModel): ClusterCa | undefined {
  if (read.has(cluster)) return read.get(cluster);
  const ca = readCa(cluster);
  read.set(cluster, ca);
  return ca;
}

function readCa(cluster: ClusterModel): ClusterCa | undefined {
  const cilium = cluster.cilium;
  if (!cilium) return undefined;
  const values = cilium.values;
  const bundle = getPath(values, ['tls', 'caBundle', 'enabled']) === true;
  const withBundle = <T extends object>(ca: T) =>
    bundle
      ? { ...ca, trustBundle: cilium.locate(['tls', 'caBundle', 'enabled']) }
      : ca;
  const method = getPath(values, [...tlsAuto, 'method']);
  const autoEnabled = getPath(values, [...tlsAuto, 'enabled']) !== false;
  if (autoEnabled && method === 'certmanager') {
    const ref = getPath(values, [...tlsAuto, 'certManagerIssuerRef']);
    const issuer =
      isRecord(ref) && typeof ref.name === 'string'
        ? `${typeof ref.kind === 'string' ? ref.kind : 'Issuer'} ${ref.name}`
        : "the chart's own issuer";
    return withBundle({
      kind: 'certmanager' as const,
      issuer,
      location: cilium.locate([...tlsAuto, 'method']),
    });
  }
  // the chart takes a CA from the values only with its key (`if and $crt $key`)
  for (const path of caCertPaths) {
    const value = getPath(values, path);
    const key = getPath(values, [...path.slice(0, -1), 'key']);
    if (
      typeof value === 'string' &&
      value.trim() !== '' &&
      typeof key === 'string' &&
      key.trim() !== ''
    )
      return withBundle({
        kind: 'values' as const,
        value: value.trim(),
        known:
          !unknownVariables(value).length && !hasUnresolvedReference(value),
        path: path.join('.'),
        location: settingOf(cluster, path) ?? cilium.locate(path),
      });
  }
  // values not read win over a Secret the chart would look up
  if (caCertPaths.some(path => unreadValuesMaySet(cluster, path)))
    return withBundle({
      kind: 'unread' as const,
      sources: firstFew(cilium.unread),
      location: cilium.locate(caCertPaths[0]),
    });
  const secrets = caSecretsOf(cluster);
  const secret = caSecretOf(cluster, secrets, cilium.releaseNamespace);
  if (secret) return withBundle(secret);
  if (!autoEnabled)
    return withBundle({
      kind: 'provided' as const,
      location: cilium.locate([...tlsAuto, 'enabled']),
    });
  return withBundle({
    kind: 'chart' as const,
    location: cilium.locate(caCertPaths[0]),
    elsewhere: caSecretElsewhere(secrets, cilium.releaseNamespace),
  });
}

/**
 * Where to change a value of the Cilium values: the setting substituted
 * into it where it is one variable, else undefined (the values' line).
 */
function settingOf(
  cluster: ClusterModel,
  path: readonly string[],
): SourceLocation | undefined {
  const field = cluster.cilium?.object?.substitutedField?.([
    'spec',
    'values',
    ...path,
  ]);
  return field?.variables.length === 1
    ? cluster.settings.get(field.variables[0])?.location
    : undefined;
}

/** The CA Secret the cluster applies in the release's namespace, and what it holds as written. */
function caSecretOf(
  cluster: ClusterModel,
  secrets: CaSecret[],
  namespace: string,
): Extract<ClusterCa, { kind: 'secret' }> | undefined {
  const found = secrets.find(({ made }) => madeIn(cluster, made, namespace));
  if (!found) return undefined;
  const { object, appliedBy, made } = found;
  const body = object.body as Record<string, unknown>;
  const { by, location } = made.origin();
  // Flux applies a SOPS file only through a Kustomization that decrypts
  const undecrypted =
    body.sops !== undefined &&
    appliedBy.object !== undefined &&
    getPath(appliedBy.object.body, ['spec', 'decryption']) === undefined
      ? appliedBy.key
      : undefined;
  return {
    kind: 'secret',
    name: made.name,
    by,
    location,
    undecrypted,
    sealed: object.kind === 'SealedSecret',
    helmOwned: helmOwnershipOf(object.body, object.kind),
    // its data as written (a SOPS file's ciphertext, an ExternalSecret's
    // keys and the store it reads them from, as each cluster renders it):
    // labels and names per cluster aside
    identity: JSON.stringify([
      object.kind,
      body.data,
      body.stringData,
      body.spec,
      body.sops,
      made.provided ? storeOf(cluster, object, made.namespace) : undefined,
    ]),
  };
}

type CaSecret = ReturnType<typeof caSecretsOf>[number];

/** The Secrets of a CA's name the cluster makes, wherever: one walk of its objects. */
function caSecretsOf(cluster: ClusterModel) {
  return cluster.render.objects.flatMap(({ object, appliedBy }) => {
    const made = madeObject(object, object.namespace ?? appliedBy.namespace);
    return made.kind === 'Secret' && caSecretNames.includes(made.name)
      ? [{ object, appliedBy, made }]
      : [];
  });
}

/**
 * A CA Secret the cluster makes in another namespace than the release's,
 * where the chart does not look it up (a release given its own namespace).
 */
function caSecretElsewhere(
  secrets: CaSecret[],
  namespace: string,
): { secret: string; by: string; location: SourceLocation } | undefined {
  const found = secrets.find(
    ({ made }) =>
      made.namespace !== namespace && !made.provided?.namespaceSelectors,
  );
  return (
    found && {
      secret: `${found.made.namespace}/${found.made.name}`,
      ...found.made.origin(),
    }
  );
}

/**
 * Whether the Secret an object makes carries the metadata by which Helm
 * takes over an object it did not create: the label
 * `app.kubernetes.io/managed-by: Helm` and the annotation
 * `meta.helm.sh/release-name` (on the Secret itself, or the template an
 * ExternalSecret or SealedSecret makes it from).
 */
function helmOwnershipOf(body: unknown, kind: string): boolean {
  // an ExternalSecret's own labels and annotations are copied to its
  // Secret, beside its template's
  const template: Record<string, string[]> = {
    ExternalSecret: ['spec', 'target', 'template', 'metadata'],
    ClusterExternalSecret: [
      'spec',
      'externalSecretSpec',
      'target',
      'template',
      'metadata',
    ],
    SealedSecret: ['spec', 'template', 'metadata'],
  };
  const layers = [
    ...(kind in template ? [getPath(body, template[kind])] : []),
    ...(kind === 'ExternalSecret' || !(kind in template)
      ? [getPath(body, ['metadata'])]
      : []),
  ];
  const has = (path: string[], test: (v: unknown) => boolean) =>
    layers.some(metadata => test(getPath(metadata, path)));
  return (
    has(['labels', 'app.kubernetes.io/managed-by'], v => v === 'Helm') &&
    has(
      ['annotations', 'meta.helm.sh/release-name'],
      v => typeof v === 'string',
    )
  );
}

/**
 * Whether the chart renders the `cilium-ca` Secret itself, as its
 * templates do where the ClusterMesh API server's or Hubble's certificates
 * are made by Helm (their defaults), or the values give the CA.
 *
 * @public
 */
export function chartRendersCa(cluster: ClusterModel): boolean {
  const values = cluster.cilium?.values;
  if (!values) return false;
  const on = (path: string[], byDefault: boolean) => {
    const value = getPath(values, path);
    return value === undefined ? byDefault : chartEnables(value);
  };
  const byHelm = (path: string[]) =>
    (getPath(values, [...path, 'method']) ?? 'helm') === 'helm' &&
    on([...path, 'enabled'], true);
  return (
    (on(['clustermesh', 'useAPIServer'], false) && byHelm([...tlsAuto])) ||
    (on(['hubble', 'enabled'], true) &&
      on(['hubble', 'tls', 'enabled'], true) &&
      byHelm(['hubble', 'tls', 'auto']))
  );
}

/**
 * Whether a Secret is made in a namespace: its own, or one a
 * ClusterExternalSecret names or selects (every namespace has its
 * `kubernetes.io/metadata.name` label, whether or not the cluster applies
 * the Namespace object).
 */
function madeIn(
  cluster: ClusterModel,
  made: ReturnType<typeof madeObject>,
  namespace: string,
): boolean {
  if (made.namespace === namespace) return true;
  const provided = made.provided;
  if (!provided) return false;
  if (
    provided.namespaces?.includes(namespace) ||
    provided.namespaces?.includes(everyNamespace)
  )
    return true;
  if (!provided.namespaceSelectors) return false;
  const object = cluster.render.objects.find(
    ({ object: o }) => o.kind === 'Namespace' && o.name === namespace,
  )?.object;
  const labels = {
    ...(object ? stringMapAt(object.body, 'metadata', 'labels') : {}),
    'kubernetes.io/metadata.name': namespace,
  };
  return provided.namespaceSelectors.some(selector =>
    selectorAdmits(selector, labels),
  );
}

/** The spec of the store an ExternalSecret reads from, as the cluster applies it. */
function storeOf(
  cluster: ClusterModel,
  object: { body: unknown },
  namespace: string,
): unknown {
  const ref = getPath(object.body, ['spec', 'secretStoreRef']);
  if (!isRecord(ref) || typeof ref.name !== 'string') return undefined;
  const kind = typeof ref.kind === 'string' ? ref.kind : 'SecretStore';
  const store = cluster.render.objects.find(
    ({ object: o, appliedBy }) =>
      o.kind === kind &&
      o.name === ref.name &&
      (kind !== 'SecretStore' ||
        (o.namespace ?? appliedBy.namespace) === namespace),
  );
  return store ? getPath(store.object.body, ['spec']) ?? null : 'not applied';
}

/**
 * Whether two clusters of a mesh share their CA, as far as the repository
 * says: `same`, `differs` (two CAs written out), `chart` (one of them
 * makes its own), or `unknown` with the reason.
 *
 * @public
 */
export type CaPairing =
  | { verdict: 'same'; how: string }
  | { verdict: 'differs'; how: string }
  | { verdict: 'chart'; how: string }
  | { verdict: 'unknown'; how: string };

/**
 * What a cluster's own mesh configuration says of its peers' CAs: why
 * they are not compared where the peers are listed in a Secret made
 * elsewhere (and where that Secret is made), and the peers whose entry
 * gives their CA. Read once per cluster, asked per peer.
 */
export interface PeerListing {
  notListed?: string;
  at?: SourceLocation;
  givenCa: ReadonlySet<string>;
}

const peerListingRead = new WeakMap<ClusterModel, PeerListing>();

/** How a cluster's mesh configuration lists its peers, for their CAs. @public */
export function peerListing(
  mesh: MeshModel,
  cluster: ClusterModel,
): PeerListing {
  const known = peerListingRead.get(cluster);
  if (known) return known;
  const cilium = cluster.cilium;
  let notListed: string | undefined;
  let at: SourceLocation | undefined;
  if (cilium) {
    // peers in a Secret made elsewhere: it carries each peer's CA (as
    // `cilium clustermesh connect` writes it), which is not read
    const listed = chartEnables(
      getPath(cilium.values, ciliumValuesPaths.meshConfigEnabled),
    );
    const secret = `${cilium.releaseNamespace}/${ciliumMeshConfigSecret}`;
    const made = secretMadeElsewhere(
      cluster,
      cilium.releaseNamespace,
      ciliumMeshConfigSecret,
    );
    at = made?.location;
    if (made)
      notListed = `Secret ${secret}, which ${made.by} makes${
        listed ? ' as well as the chart (peers-by-fqdn)' : ''
      }, may carry each peer's CA, which is not read`;
    else if (!listed)
      notListed = `its chart does not list its peers (clustermesh.config.enabled is not true): Secret ${secret}, made outside the repository (as \`cilium clustermesh connect\` makes it), carries each peer's CA, which is not read`;
  }
  // the entries that name their peer's CA: the chart takes it only beside
  // a client certificate and key of the entry's own
  const givenCa = new Set(
    meshEntriesOf(mesh, cluster)
      .list()
      .filter(e =>
        ['caCert', 'cert', 'key'].every(field =>
          chartEnables(getPath(e.entry, ['tls', field])),
        ),
      )
      .map(e => e.name),
  );
  const facts = { notListed, at, givenCa };
  peerListingRead.set(cluster, facts);
  return facts;
}

// "the same …" is said for every pair of a mesh sharing one CA: one string
// per CA, not one per pair (a large mesh has a quarter of a million pairs)
const sameCaSaid = new WeakMap<ClusterCa, string>();
function sameCa(
  ca: Extract<ClusterCa, { kind: 'values' | 'secret' }>,
): CaPairing {
  let how = sameCaSaid.get(ca);
  if (how === undefined) {
    how = `the same ${ca.kind === 'values' ? ca.path : ca.by}`;
    sameCaSaid.set(ca, how);
  }
  return { verdict: 'same', how };
}

/** How `cluster` and its peer `peer` stand on their CA. @public */
export function caPairing(
  mesh: MeshModel,
  cluster: ClusterModel,
  peer: ClusterModel,
): CaPairing {
  const mine = clusterCa(cluster);
  const theirs = clusterCa(peer);
  const peers = peerListing(mesh, cluster);
  if (peers.notListed) return { verdict: 'unknown', how: peers.notListed };
  if (peers.givenCa.has(peer.ciliumName))
    return {
      verdict: 'unknown',
      how: `its mesh entry for ${peer.name} gives that peer's CA and a client certificate (tls.caCert, tls.cert, tls.key), which are not compared here`,
    };
  if (!mine || !theirs)
    return {
      verdict: 'unknown',
      how: `${peer.name}'s Cilium values are not read`,
    };
  // a trust bundle may hold the other CA: what differs may still be trusted
  const bundle = mine.trustBundle ?? theirs.trustBundle;
  const bundled = (how: string): CaPairing => ({
    verdict: 'unknown',
    how: `${how}, but tls.caBundle.enabled makes ${
      mine.trustBundle ? 'it' : peer.name
    } trust the CAs of a bundle not read here`,
  });
  if (mine.kind === 'chart' || theirs.kind === 'chart') {
    let how = `${peer.name}'s chart makes its own CA`;
    // both: said of the clusters the warning names together, not of one
    if (mine.kind === 'chart')
      how =
        theirs.kind === 'chart'
          ? 'the chart makes a CA of its own in each cluster'
          : 'its chart makes its own CA';
    return bundle ? bundled(how) : { verdict: 'chart', how };
  }
  if (mine.kind === 'values' && theirs.kind === 'values') {
    if (!mine.known || !theirs.known)
      return {
        verdict: 'unknown',
        how: `${
          mine.known ? `${peer.name}'s ${theirs.path}` : mine.path
        } holds a value not known here`,
      };
    if (mine.value === theirs.value) return sameCa(mine);
    const how = `its ${mine.path} differs from theirs`;
    return bundle ? bundled(how) : { verdict: 'differs', how };
  }
  for (const [ca, whose] of [
    [mine, 'its'],
    [theirs, `${peer.name}'s`],
  ] as const)
    if (ca.kind === 'secret' && ca.undecrypted)
      return {
        verdict: 'unknown',
        how: `${whose} ${ca.by} is SOPS-encrypted, and Kustomization ${ca.undecrypted}, which applies it, has no spec.decryption: Flux cannot apply it as it is`,
      };
  if (
    mine.kind === 'secret' &&
    theirs.kind === 'secret' &&
    mine.identity === theirs.identity &&
    mine.sealed
  )
    return {
      verdict: 'unknown',
      how: `one ${mine.by} unseals in every cluster only where their sealed-secrets controllers share a sealing key, which is not read`,
    };
  if (
    mine.kind === 'secret' &&
    theirs.kind === 'secret' &&
    mine.identity === theirs.identity
  )
    return sameCa(mine);
  const unknownWhy = (ca: ClusterCa, whose: string): string | undefined => {
    switch (ca.kind) {
      case 'certmanager':
        return `${whose} certificates are issued by cert-manager (${ca.issuer}), whose CA is not read`;
      case 'provided':
        return `${whose} certificates are provided (clustermesh.apiserver.tls.auto.enabled: false), their CA not read`;
      case 'unread':
        return `${whose} values from ${ca.sources} are not read and may set tls.ca`;
      default:
        return undefined;
    }
  };
  const why =
    unknownWhy(mine, 'its') ??
    unknownWhy(theirs, `${peer.name}'s`) ??
    (mine.kind === 'secret' && theirs.kind === 'secret'
      ? `${mine.by} and ${peer.name}'s ${theirs.by} are written differently (their data, keys or store), and what a secret holds is not read`
      : `${describeCa(mine, 'its')} and ${describeCa(
          theirs,
          `${peer.name}'s`,
        )}: whether they are one CA is not read`);
  return { verdict: 'unknown', how: why };
}

function describeCa(ca: ClusterCa, whose: string): string {
  if (ca.kind === 'values') return `${whose} CA comes from ${ca.path}`;
  if (ca.kind === 'secret') return `${whose} CA comes from ${ca.by}`;
  return `${whose} CA`;
}
