import {
  CheckResult,
  formatLocation,
  parseIpAddress,
  rangeContains,
  SourceLocation,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import {
  announcedClass,
  chartEnables,
  chartWritesApiserverLabel,
  ciliumValuesPaths,
  classLbIpamIgnores,
  defaultIpamOtherThanLbIpam,
  lbIpamAnnotation,
  lbIpamAnnotationKeys,
  lbIpamLoadBalancerClasses,
} from '../cilium/values';
import { getPath, isRecord } from '../core/paths';
import { hasUnresolvedReference } from '../flux/envsubst';
import {
  chartReadsServiceLabels,
  hasNoLbIpam,
  readsOnlyOldLbIpamAnnotation,
} from '../cilium/version';
import { describeObject } from '../core/manifest';
import {
  ciliumUnavailableReason,
  ciliumVersion,
  cloudLoadBalancerApplied,
  variableOnLine,
  managedCloudOf,
  metalLbPoolApplied,
  poolAdmitsApiserver,
} from '../model/queries';
import type { ClusterModel, MeshModel } from '../model/types';
import { locate } from '../yaml/locate';
import type { SubstitutedObject } from '../flux/substitute';
import {
  defineClusterRule,
  failingApplierOf,
  RuleResults,
  writtenOutBecause,
  q,
  substitutionRemedy,
} from './rule';

/** The messages of service-annotation. */
const serviceAnnotationMessages = {
  noValues: '{{reason}}',
  noApiServer:
    'clustermesh.useAPIServer is not true: the chart creates no clustermesh-apiserver service',
  labelTwice:
    "clustermesh.apiserver.service.labels gives {{keys}}, which the chart writes on the clustermesh-apiserver service itself: the rendered Service has {{them}} twice, which Flux's post-render refuses, and the Cilium release fails",
  notLoadBalancer:
    'clustermesh.apiserver.service.type is {{type}}, not "LoadBalancer"',
  unknownClass:
    'clustermesh.apiserver.service.loadBalancerClass is {{class}}, not known here: whether Cilium LB IPAM serves the service is not known',
  applierFails:
    '{{what}} is {{value}}, left unsubstituted because Kustomization {{by}} fails (its error is said once, where it is): Flux applies none of what it builds, so this is compared once that is fixed',
  otherController:
    "the cluster runs {{controller}} ({{where}}), a cloud provider's controller of LoadBalancer services, and clustermesh.apiserver.service sets no loadBalancerClass: {{which}}; whether Cilium LB IPAM gives it the LB IP is not known here (set clustermesh.apiserver.service.loadBalancerClass to {{classes}}, which LB IPAM serves and that controller leaves alone)",
  otherClass:
    'clustermesh.apiserver.service.loadBalancerClass is {{class}}: Cilium LB IPAM ignores a service of a class it does not serve (it serves none, {{served}}), so the service does not get the LB IP from it, whatever its annotation says',
  noAnnotation:
    'clustermesh.apiserver.service has no LB IPAM annotation ({{keys}}) and no loadBalancerIP',
  notLoadBalancerNoAnnotation:
    'clustermesh.apiserver.service.type is {{type}}, not "LoadBalancer", and the service has no LB IPAM annotation ({{keys}}) nor loadBalancerIP',
  defaultTypeNoAnnotation:
    'clustermesh.apiserver.service.type is not set (the chart makes a NodePort service), and the service has no LB IPAM annotation ({{keys}}) nor loadBalancerIP',
  noLbIpam:
    'the chart is Cilium {{version}} ({{where}}), which has no LB IPAM (it came in 1.13): no pool gives the clustermesh-apiserver an address, whatever its annotation says, and the cluster knows no CiliumLoadBalancerIPPool kind',
  annotationTooNew:
    'annotation lbipam.cilium.io/ips is read from Cilium 1.15, and the chart is {{version}} ({{where}}), whose LB IPAM reads only io.cilium/lb-ipam-ips: the service gets any address of its pools',
  notString: '{{what}} is {{value}}, not a string',
  noReplicas:
    'clustermesh.apiserver.replicas is {{replicas}} ({{where}}): no clustermesh-apiserver runs behind the service, so the peers reach nothing at its FQDN, whatever address it has',
  defaultIpamOff:
    'the Cilium values set defaultLBServiceIPAM: {{mode}} ({{where}}): LB IPAM serves only LoadBalancer services of its classes ({{classes}}), and the clustermesh-apiserver service has no loadBalancerClass, so it gets no address of the pools, whatever it asks',
  emptied:
    "{{what}} is ${{{variable}}} in the Cilium values, which no source of {{by}} defines: Flux (strict only from 2.9) substitutes an empty string, YAML's null, and the service asks for no address: it takes any of its pools', not the LB IP",
  noLbIp: '{{what}} is {{value}}; the LB IP is missing or invalid',
  sameUnknown:
    'clustermesh-apiserver is a LoadBalancer with {{what}}: {{value}}, the same value as the LB IP (not known here)',
  unknown:
    '{{what}} is {{value}} and the LB IP {{ip}}: values not known here, so they cannot be compared',
  differs: '{{what}} is {{value}}, not the LB IP {{ip}}{{unresolved}}',
  disagree:
    'annotation {{key}} is {{value}} but clustermesh.apiserver.service.loadBalancerIP is {{other}}: the service asks LB IPAM for two addresses',
  matches: 'clustermesh-apiserver is a LoadBalancer with {{what}}: {{value}}',
  metalLb:
    "the cluster's LoadBalancer addresses come from MetalLB ({{pool}}), not from Cilium LB IPAM (no CiliumLoadBalancerIPPool is applied): how the clustermesh-apiserver service asks MetalLB for the LB IP is not checked here (MetalLB is not handled)",
  pinned:
    'clustermesh-apiserver is a LoadBalancer without an LB IPAM annotation, but pool {{pool}} holds only the LB IP {{ip}} and gives it only to services its serviceSelector takes, the clustermesh-apiserver among them ({{where}})',
  bootstrapVerbatim:
    '{{helmfile}} installs these Cilium values as they are to bootstrap a new cluster, where Flux does not substitute: {{written}} {{reach}} that first install as written, and LB IPAM takes no such address, until Flux reconciles the HelmRelease',
  bootstrapWaits:
    "{{helmfile}} installs these Cilium values to bootstrap a new cluster with helm waiting for what it installs ({{where}}): Helm 3's wait (and Helm 4's --wait=legacy) lasts until each LoadBalancer Service has an address, and {{giver}}, so with Helm 3 that first install waits out helm's timeout and fails (Helm 4's default wait, like Flux's, does not wait for the address)",
};

/** MetalLB's pool, where the cluster applies one and no Cilium pool: MetalLB gives its addresses. */
function metalLbInstead(c: ClusterModel) {
  return c.pools.length ? undefined : metalLbPoolApplied(c);
}

/** The clustermesh-apiserver service asks LB IPAM for the LB IP. @public */
export const serviceAnnotation = defineClusterRule({
  id: 'service-annotation',
  title: 'Service annotation',
  severity: 'error',
  scope: 'cluster',
  description:
    "clustermesh.apiserver.service is type LoadBalancer with the LB IPAM annotation (`lbipam.cilium.io/ips`, read from Cilium 1.15, or the older `io.cilium/lb-ipam-ips`, read by every release) equal to the LB IP, and clustermesh.useAPIServer is true. A service of a load balancer class LB IPAM does not serve (anything but none, `io.cilium/bgp-control-plane` and `io.cilium/l2-announcer`) gets no address from it at all. A service without the annotation may ask by `clustermesh.apiserver.service.loadBalancerIP` (the service's `spec.loadBalancerIP`, which LB IPAM honours though Kubernetes deprecates it); with both, they must agree. Without either, an enabled pool that holds the LB IP alone and whose serviceSelector takes the clustermesh-apiserver service pins the address too. Where the cluster applies MetalLB's pools and no Cilium pool, MetalLB gives the address: how the service asks it is not evaluated.",
  remediation: (c, failure) => {
    if (failure?.id === 'noLbIpam')
      return 'Upgrade Cilium to 1.13 or later, whose LB IPAM gives the service the LB IP from a CiliumLoadBalancerIPPool; or, if another controller gives LoadBalancer addresses in this cluster, switch the rule off (rules.service-annotation: off) and point the FQDN at the address it gives.';
    if (failure?.id === 'bootstrapVerbatim')
      return 'Write the LB IP itself in the annotation of these values (configure does so where a bootstrap reads them), or have the bootstrap template fill in the variable; the FQDNs may stay variables (the names are not needed to start).';
    if (failure?.id === 'bootstrapWaits')
      return "Have the bootstrap install the clustermesh-apiserver as a NodePort (`set: [{name: clustermesh.apiserver.service.type, value: NodePort}]` on the Cilium release of the bootstrap helmfile, a `set` block of Terraform's `helm_release`): Flux makes it a LoadBalancer once the pools are applied. Or give that release `wait: false` and `atomic: false` (a release's own settings win over `helmDefaults`; `atomic` waits too; in Terraform `wait = false`), so that helm returns once the chart is applied, or bootstrap with Helm 4.";
    if (failure?.id === 'annotationTooNew')
      return 'Write the annotation as `io.cilium/lb-ipam-ips`, which Cilium before 1.15 reads (and later releases still do), or upgrade Cilium.';
    if (failure?.id === 'labelTwice')
      return 'Take those keys out of `clustermesh.apiserver.service.labels`: to have a pool or an announcement select the service, give it a label of your own, or have the selector ask for `k8s-app: clustermesh-apiserver`, which the chart writes.';
    if (failure?.id === 'noReplicas')
      return 'Set `clustermesh.apiserver.replicas` to 1 or more in the Cilium values (configure does), or leave the chart default (1).';
    if (failure?.id === 'defaultIpamOff')
      return `Set \`clustermesh.apiserver.service.loadBalancerClass\` in the Cilium values to the class of the announcer that advertises the pools (${lbIpamLoadBalancerClasses.join(
        ' or ',
      )}): with \`defaultLBServiceIPAM: nodeipam\` LB IPAM serves only the services that ask for one of its classes (configure writes it with the LB IP).`;
    if (failure?.id === 'otherClass')
      return `Remove \`clustermesh.apiserver.service.loadBalancerClass\` from the Cilium values (or set one LB IPAM serves: ${lbIpamLoadBalancerClasses.join(
        ', ',
      )}), so that LB IPAM gives the service the LB IP. If that class's controller is meant to give the address, the LB IP in the settings is not the service's: switch the rule off (rules.service-annotation: off) and point the FQDN at the address that controller gives.`;
    const literal = writtenOutBecause(c, failure);
    if (literal && !literal.note)
      return `In the Cilium values set \`clustermesh.apiserver.service.type: LoadBalancer\` and \`annotations: {${c.cilium.lbIpamAnnotation}: <the LB IP>}\`, the address itself: ${literal.why}.`;
    return `In the Cilium values set \`clustermesh.apiserver.service.type: LoadBalancer\` and \`annotations: {${
      c.cilium.lbIpamAnnotation
    }: \${${c.variables.lbIp}}}\`.${literal?.note ?? ''}${substitutionRemedy(
      c,
      failure,
      c.variables.lbIp,
    )}`;
  },
  messages: serviceAnnotationMessages,
  fieldAbsence: ['noApiServer', 'noAnnotation', 'defaultTypeNoAnnotation'],
  fieldsOf: 'cilium',
  check(mesh, c, r) {
    const results = serviceResults(mesh, c, r);
    const waits = bootstrapWaits(mesh, c, r);
    const verbatim = bootstrapVerbatim(mesh, c, r);
    return [
      ...results,
      ...(verbatim ? [verbatim] : []),
      ...(waits ? [waits] : []),
    ];
  },
});

/** What the clustermesh-apiserver service asks LB IPAM, checked. */
function serviceResults(
  mesh: MeshModel,
  c: ClusterModel,
  r: RuleResults<keyof typeof serviceAnnotationMessages>,
): CheckResult[] {
  if (!c.cilium)
    return [
      r.notEvaluated('noValues', {
        reason: ciliumUnavailableReason(mesh, c),
      }),
    ];
  const cilium = c.cilium;
  const v = cilium.values;
  const out: CheckResult[] = [];
  if (!chartEnables(getPath(v, ciliumValuesPaths.useApiServer)))
    out.push(
      r.fail('noApiServer', {}, cilium.locate(ciliumValuesPaths.useApiServer)),
    );
  // a label the chart writes itself, given again (to be selected by a
  // pool or an announcement): the Service has the key twice
  const labels = getPath(v, ciliumValuesPaths.serviceLabels);
  const chart = ciliumVersion(c);
  const twice = isRecord(labels)
    ? Object.keys(labels).filter(chartWritesApiserverLabel)
    : [];
  // (a chart whose version is not read may be one before 1.17, which puts
  // no service.labels on the service: a warning there)
  if (twice.length && (!chart || chartReadsServiceLabels(chart)))
    out.push(
      (chart ? r.fail : r.warn)(
        'labelTwice',
        {
          keys: twice.join(', '),
          them: twice.length > 1 ? 'them' : 'it',
        },
        cilium.locate([...ciliumValuesPaths.serviceLabels, twice[0]]),
      ),
    );
  const type = getPath(v, ciliumValuesPaths.serviceType);
  const notLoadBalancer = type !== 'LoadBalancer' ? out.length : -1;
  if (type !== 'LoadBalancer')
    out.push(
      r.fail(
        'notLoadBalancer',
        { type: q(type ?? 'NodePort (chart default)') },
        cilium.locate(ciliumValuesPaths.serviceType),
      ),
    );
  // LB IPAM leaves a service of another class alone: nothing it is asked counts
  const otherClass = classLbIpamIgnores(v);
  if (otherClass !== undefined) {
    const where = cilium.locate(ciliumValuesPaths.serviceLoadBalancerClass);
    if (
      unknownVariables(otherClass).length ||
      hasUnresolvedReference(otherClass)
    ) {
      out.push(r.notEvaluated('unknownClass', { class: q(otherClass) }, where));
      return out;
    }
    out.push(
      r.fail(
        'otherClass',
        {
          class: q(otherClass),
          served: lbIpamLoadBalancerClasses.join(', '),
        },
        where,
      ),
    );
    return out;
  }
  // no class of its own: a cloud provider's controller of the cluster
  // may take the service first
  const classed = chartEnables(
    getPath(v, ciliumValuesPaths.serviceLoadBalancerClass),
  );
  // scaled to nothing (TheBranchDriftCatalyst's `replicas: 0` until a
  // peer is wired up): the address serves no one
  const replicas = getPath(v, ciliumValuesPaths.apiserverReplicas);
  if (replicas === 0 || replicas === '0')
    out.push(
      r.fail(
        'noReplicas',
        {
          replicas: String(replicas),
          where: formatLocation(
            cilium.locate(ciliumValuesPaths.apiserverReplicas),
          ),
        },
        cilium.locate(ciliumValuesPaths.apiserverReplicas),
      ),
    );
  // LB IPAM left to services of its classes (jfroy's flatops)
  const defaultIpam = classed ? undefined : defaultIpamOtherThanLbIpam(v);
  if (defaultIpam !== undefined) {
    out.push(
      r.fail(
        'defaultIpamOff',
        {
          mode: defaultIpam,
          where: formatLocation(
            cilium.locate(ciliumValuesPaths.defaultLbServiceIpam),
          ),
          classes: lbIpamLoadBalancerClasses.join(', '),
        },
        cilium.locate(ciliumValuesPaths.defaultLbServiceIpam),
      ),
    );
    return out;
  }
  // (said only of a LoadBalancer service: another type fails above, and
  // no controller of LoadBalancer services takes it)
  const cloud =
    classed || notLoadBalancer >= 0
      ? undefined
      : cloudLoadBalancerApplied(c.render);
  // a managed cloud's built-in controller, which no manifest deploys
  const managed =
    classed || cloud || notLoadBalancer >= 0 ? undefined : managedCloudOf(c);
  // the class of the announcer the values switch on, where one is
  const classes = announcedClass(v) ?? lbIpamLoadBalancerClasses.join(' or ');
  if (managed)
    out.push(
      r.notEvaluated(
        'otherController',
        {
          controller: `${managed.cloud}'s own load balancer controller`,
          where: `its Cilium values set ${managed.setting} at ${formatLocation(
            managed.location,
          )}`,
          which: 'it gives the service a cloud load balancer of its own',
          classes,
        },
        cilium.locate(ciliumValuesPaths.serviceType),
      ),
    );
  if (cloud)
    out.push(
      r.notEvaluated(
        'otherController',
        {
          controller: describeObject(cloud.object),
          where: formatLocation(locate(cloud.object)),
          which: /aws-load-balancer-controller/.test(cloud.name)
            ? 'from v2.5 its webhook gives every LoadBalancer service without a class its own (service.k8s.aws/nlb), which LB IPAM ignores, unless its values set enableServiceMutatorWebhook: false'
            : 'it may answer the service before LB IPAM does',
          classes,
        },
        cilium.locate(ciliumValuesPaths.serviceType),
      ),
    );
  // MetalLB gives the addresses: an LB IPAM annotation asks nothing, and
  // MetalLB's own way of asking is not read here
  const metalLbPool = metalLbInstead(c);
  if (metalLbPool && notLoadBalancer < 0)
    return [
      ...out,
      r.notEvaluated(
        'metalLb',
        { pool: describeObject(metalLbPool) },
        cilium.locate(ciliumValuesPaths.serviceAnnotations),
      ),
    ];
  const annotation = lbIpamAnnotation(v);
  const loadBalancerIp = getPath(v, ciliumValuesPaths.serviceLoadBalancerIp);
  // the annotation, else the service's spec.loadBalancerIP
  let requested:
    | { what: string; value: unknown; where: SourceLocation }
    | undefined;
  if (annotation)
    requested = {
      what: `annotation ${annotation.key}`,
      value: annotation.value,
      where: cilium.locate([
        ...ciliumValuesPaths.serviceAnnotations,
        annotation.key,
      ]),
    };
  else if (loadBalancerIp !== undefined && loadBalancerIp !== null)
    requested = {
      what: 'clustermesh.apiserver.service.loadBalancerIP',
      value: loadBalancerIp,
      where: cilium.locate(ciliumValuesPaths.serviceLoadBalancerIp),
    };
  // a pool of the LB IP alone, for selected services, pins it too
  const pin = !requested && out.length === 0 ? pinningPool(mesh, c) : undefined;
  if (pin)
    return [
      r.pass(
        'pinned',
        {
          pool: q(pin.name),
          ip: c.lbIpAddress!.text,
          where: formatLocation(pin.location),
        },
        cilium.locate(ciliumValuesPaths.serviceAnnotations),
      ),
    ];
  if (!requested) {
    const keys = lbIpamAnnotationKeys.join(' or ');
    const at = cilium.locate(ciliumValuesPaths.serviceAnnotations);
    // a NodePort service with no address asked: one setup to change, one finding
    // a type written in the values is there whatever else is read; the
    // chart's default only while no other values are unread
    if (notLoadBalancer >= 0)
      out.splice(
        notLoadBalancer,
        1,
        type === undefined
          ? r.fail(
              'defaultTypeNoAnnotation',
              { keys },
              cilium.locate(ciliumValuesPaths.serviceType),
            )
          : r.fail(
              'notLoadBalancerNoAnnotation',
              { type: q(type), keys },
              cilium.locate(ciliumValuesPaths.serviceType),
            ),
      );
    else out.push(r.fail('noAnnotation', { keys }, at));
    return out;
  }
  const pinned = chart;
  const version =
    annotation?.key === 'lbipam.cilium.io/ips' ? pinned : undefined;
  if (pinned && hasNoLbIpam(pinned))
    out.push(
      r.fail(
        'noLbIpam',
        { version: pinned.text, where: formatLocation(pinned.location) },
        requested.where,
      ),
    );
  else if (version && readsOnlyOldLbIpamAnnotation(version))
    out.push(
      r.fail(
        'annotationTooNew',
        { version: version.text, where: formatLocation(version.location) },
        requested.where,
      ),
    );
  if (
    annotation &&
    loadBalancerIp !== undefined &&
    loadBalancerIp !== null &&
    String(loadBalancerIp).trim() !== String(annotation.value).trim()
  )
    out.push(
      r.fail(
        'disagree',
        {
          key: annotation.key,
          value: q(annotation.value),
          other: q(loadBalancerIp),
        },
        cilium.locate(ciliumValuesPaths.serviceLoadBalancerIp),
      ),
    );
  const { what, value, where } = requested;
  // written as a variable, null once substituted: one Flux (before 2.9)
  // replaced with nothing (arthurgeek's copy)
  const emptiedBy =
    value === null && where
      ? variableOnLine(mesh.repository, where)
      : undefined;
  if (emptiedBy)
    out.push(
      r.fail(
        'emptied',
        {
          what,
          variable: emptiedBy,
          by: cilium.appliedBy
            ? `Kustomization ${cilium.appliedBy.key}`
            : 'the Kustomization applying them',
        },
        where,
      ),
    );
  else if (typeof value !== 'string') {
    out.push(r.fail('notString', { what, value: q(value) }, where));
  } else if (
    unknownVariables(value).length ||
    unknownVariables(c.lbIp?.value).length
  ) {
    // the same text, even if not known here, is the same address
    if (c.lbIp && value.trim() === c.lbIp.value && out.length === 0)
      return [r.pass('sameUnknown', { what, value }, where)];
    out.push(
      r.notEvaluated(
        'unknown',
        { what, value: q(value), ip: q(c.lbIp?.value ?? '') },
        where,
      ),
    );
  } else if (failingApplierOf(value, cilium.appliedBy)) {
    out.push(
      r.notEvaluated(
        'applierFails',
        { what, value: q(value), by: cilium.appliedBy!.key },
        where,
      ),
    );
  } else if (!c.lbIpAddress) {
    out.push(r.notEvaluated('noLbIp', { what, value: q(value) }, where));
  } else if (parseIpAddress(value.trim())?.text !== c.lbIpAddress.text) {
    out.push(
      r.fail(
        'differs',
        {
          what,
          value: q(value),
          ip: c.lbIpAddress.text,
          unresolved: hasUnresolvedReference(value)
            ? ' (unresolved variable)'
            : '',
        },
        where,
      ),
    );
  } else if (out.length === 0) {
    return [r.pass('matches', { what, value }, where)];
  }
  return out;
}

/**
 * A clustermesh-apiserver of type LoadBalancer in values a bootstrap
 * helmfile installs with helm's wait: no pool can exist yet to give it an
 * address, so that install cannot finish.
 */
function bootstrapWaits(
  mesh: MeshModel,
  c: ClusterModel,
  r: RuleResults<'bootstrapWaits'>,
): CheckResult | undefined {
  const cilium = c.cilium;
  if (
    !cilium ||
    getPath(cilium.values, ciliumValuesPaths.serviceType) !== 'LoadBalancer' ||
    !chartEnables(getPath(cilium.values, ciliumValuesPaths.useApiServer))
  )
    return undefined;
  const at = cilium.locate(ciliumValuesPaths.serviceType);
  // the release by its name, or its chart's
  const names = [
    cilium.object?.name,
    getPath(cilium.object?.body, ['spec', 'releaseName']),
    'cilium',
  ].filter((n): n is string => typeof n === 'string');
  const waiting = mesh.repository.readByBootstrap.waitingRelease?.(
    at.file,
    names,
  );
  if (!waiting) return undefined;
  const setAt = formatLocation({ file: waiting.helmfile, line: waiting.line });
  let where = `\`${waiting.setting}: true\` for release ${waiting.release} at ${setAt}`;
  if (waiting.inherited)
    where = `\`helmDefaults.${waiting.setting}: true\` at ${setAt}, which release ${waiting.release} inherits`;
  if (waiting.terraform)
    where = `Terraform's \`helm_release\` at ${setAt}, which waits unless given \`wait = false\``;
  // who gives the address: LB IPAM, or MetalLB where the cluster's
  // addresses come from it (Samoth69's lynka)
  const metalLb = metalLbInstead(c);
  const giver = metalLb
    ? `MetalLB gives the clustermesh-apiserver none until it runs with its pools (${describeObject(
        metalLb,
      )}), which Flux applies after this install`
    : "LB IPAM gives the clustermesh-apiserver none until a CiliumLoadBalancerIPPool is applied, which cannot be before this install (Cilium creates the pool's CRD when it starts)";
  return r.warn(
    'bootstrapWaits',
    { helmfile: waiting.helmfile, where, giver },
    at,
  );
}

/**
 * The LB IPAM annotation of a HelmRelease a bootstrap helmfile installs as
 * it is, written as a variable: the first install asks LB IPAM for the
 * text `${…}` (rkoosaar's copy; configure writes the address out there).
 */
function bootstrapVerbatim(
  mesh: MeshModel,
  c: ClusterModel,
  r: RuleResults<'bootstrapVerbatim'>,
): CheckResult | undefined {
  const cilium = c.cilium;
  if (cilium?.kind !== 'helmrelease' || !cilium.object) return undefined;
  const path = ciliumValuesPaths.serviceAnnotations;
  const written = lbIpamAnnotationKeys.flatMap(key => {
    const raw = (cilium.object as SubstitutedObject).substitutedField?.([
      'spec',
      'values',
      ...path,
      key,
    ])?.raw;
    return raw !== undefined && hasUnresolvedReference(raw)
      ? [{ text: `${key}: ${raw}`, at: cilium.locate([...path, key]) }]
      : [];
  });
  if (!written.length) return undefined;
  // one file of several clusters cannot hold each one's address: the
  // variable stays there, as configure leaves it (and says)
  const file = cilium.object.source.file;
  if (
    mesh.clusters.some(
      other => other !== c && other.cilium?.object?.source.file === file,
    )
  )
    return undefined;
  const helmfiles = mesh.repository.readByBootstrap(written[0].at.file);
  if (!helmfiles.length) return undefined;
  return r.warn(
    'bootstrapVerbatim',
    {
      helmfile: helmfiles.join(', '),
      written: written.map(w => w.text).join(', '),
      reach: written.length > 1 ? 'reach' : 'reaches',
    },
    written[0].at,
  );
}

/**
 * An enabled pool of the cluster whose blocks hold the LB IP alone and
 * whose serviceSelector takes the clustermesh-apiserver, the only pool
 * that holds it: LB IPAM can give that address to no service it does not
 * select.
 */
function pinningPool(mesh: MeshModel, c: ClusterModel) {
  const ip = c.lbIpAddress;
  if (!ip) return undefined;
  const pool = c.pools.find(
    p =>
      !p.disabled &&
      p.serviceSelector !== undefined &&
      p.blocks.length > 0 &&
      p.blocks.every(
        b =>
          b.range !== undefined &&
          b.range.first === b.range.last &&
          rangeContains(b.range, ip),
      ) &&
      poolAdmitsApiserver(mesh, c, p),
  );
  // another pool holding it may give it to any service it takes
  const shared = c.pools.some(
    p =>
      p !== pool &&
      !p.disabled &&
      p.blocks.some(b => b.range !== undefined && rangeContains(b.range, ip)),
  );
  return pool && !shared
    ? { name: pool.name, location: pool.blocks[0].location }
    : undefined;
}
