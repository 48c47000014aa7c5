// THIS FILE IS GENERATED from openapi.yaml by scripts/openapi-generate.cjs; do not edit.
// Regenerate: cd plugins/clustermesh-dns-backend && node scripts/openapi-generate.cjs
/* eslint-disable */
export interface paths {
  '/sources': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Every configured source, with the repository each reads. */
    get: operations['ListSources'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/sources/match': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The source that reads a repository URL, if any.
     * @description Normalises the URL to its host, owner and repository (GitHub, GitLab, Bitbucket, Azure DevOps and Gitea URL forms, SSH remotes, and the scaffolder RepoUrlPicker's `github.com?owner=o&repo=r`) and returns the source reading that repository. An unmatched repository is answered 200 without `source`; a URL that names no repository 200 without `repository`.
     */
    get: operations['MatchRepository'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/sources/{sourceId}/report': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A source's report, one summary row per cluster.
     * @description Served from the cache, computed off the request path (on a schedule and on refresh). When the last read of the source failed, the last good report is served with `stale` saying why and since when. With `ref`, the report of that branch, tag or commit (url sources only), read once and kept in a small LRU. The ETag is derived from the revision and the report; `If-None-Match` with it gets a 304.
     */
    get: operations['GetReport'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/sources/{sourceId}/report/constant': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Benchmark only: the same bytes as the report, as a constant.
     * @description Enabled only by `clustermeshDns.benchmark.constantRoute: true` (otherwise 404). Answers the bytes the report route served first, behind the same authentication, permission and validation, so that a benchmark can compare the report route with a route that does no work.
     */
    get: operations['GetReportConstant'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/sources/{sourceId}/clusters/{cluster}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One cluster with its checks, peers and the findings that concern it. */
    get: operations['GetCluster'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/sources/{sourceId}/clusters/{cluster}/pool': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A cluster's LB IPAM pools, the addresses in use and a free one. */
    get: operations['GetPool'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/sources/{sourceId}/refresh': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Reads the source again now and answers its report.
     * @description The scheduled refresh, on demand. An unchanged SCM source costs one conditional request and no validation.
     */
    post: operations['RefreshSource'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/sources/{sourceId}/live': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The last live checks of a source, with when they ran. */
    get: operations['GetLiveChecks'];
    put?: never;
    /**
     * Runs the live checks of a source now (permission clustermesh-dns.live.run).
     * @description DNS queries against the configured resolvers (at most 16 in flight, a per-query timeout, a resolver that times out once is not asked again in this run), the DNS provider's record and the clustermesh-apiserver Service through the Kubernetes plugin, where configured. The results are kept beside the report.
     */
    post: operations['RunLiveChecks'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    Error: {
      error: {
        name: string;
        message: string;
      };
      request?: {
        method?: string;
        url?: string;
      };
      response?: {
        statusCode?: number;
      };
    };
    SourceLocation: {
      /** @description Repository path, POSIX, relative to the repository root. */
      file: string;
      line: number;
    };
    /** @enum {string} */
    Severity: 'error' | 'warning' | 'info';
    /** @enum {string} */
    CheckOutcome: 'pass' | 'fail' | 'not-applicable' | 'not-evaluated';
    /** @enum {string} */
    DeclaredStatus: 'pass' | 'warn' | 'fail' | 'not-evaluated' | 'outside';
    RepositoryRef: {
      /** @description Lower case, without port 443. */
      host: string;
      /** @description Owner, group or organisation (GitLab subgroups joined by `/`). */
      owner: string;
      /** @description The repository's name, without `.git`. */
      name: string;
      /** @description The repository's web URL. */
      url: string;
    };
    SourceSummary: {
      id: string;
      title: string;
      /** @enum {string} */
      type: 'local' | 'url';
      repository?: components['schemas']['RepositoryRef'];
      /** @description The branch read on schedule (url sources). */
      branch?: string;
      /** @description The repository's web URL at that branch, for links to files (url sources). */
      treeUrl?: string;
      /** @description Whether its clusters are emitted into the catalog. */
      catalog: boolean;
      liveChecks: {
        dns: boolean;
        provider: boolean;
        service: boolean;
      };
    };
    SourceList: {
      items: components['schemas']['SourceSummary'][];
    };
    RepositoryMatch: {
      repository?: components['schemas']['RepositoryRef'];
      source?: components['schemas']['SourceSummary'];
    };
    StaleState: {
      /** @description Why the last read failed (a repository problem, never a secret). */
      error: string;
      /** @description When reads started failing (ISO 8601). */
      since: string;
    };
    CheckResult: {
      ruleId: string;
      outcome: components['schemas']['CheckOutcome'];
      severity: components['schemas']['Severity'];
      cluster?: string;
      message: string;
      location?: components['schemas']['SourceLocation'];
      remediation?: string;
      cause?: string;
    };
    Finding: {
      id: string;
      code: string;
      severity: components['schemas']['Severity'];
      message: string;
      location?: components['schemas']['SourceLocation'];
      unlocated?: string;
      cluster?: string;
      affects?: {
        count: number;
        clusters: string[];
        examples: {
          location: components['schemas']['SourceLocation'];
          what: string;
        }[];
      };
    };
    CheckCounts: {
      passed: number;
      failed: number;
      warnings: number;
      notApplicable: number;
      notEvaluated: number;
    };
    /** @description The fields of a cluster's row that the summary and the detail share. */
    ClusterFields: {
      name: string;
      dir: string;
      entry: string;
      membership: {
        member: boolean;
        /**
         * @description Set where whether it is in the mesh could not be read (member is then false and no check ran for it).
         * @enum {boolean}
         */
        unknown?: true;
        reason: string;
        location?: components['schemas']['SourceLocation'];
      };
      fqdn?: {
        template: string;
        /** @description As Flux inserts it; secret parts as `<secret:NAME>`. */
        resolved: string;
        secret: boolean;
        location: components['schemas']['SourceLocation'];
      };
      lbIp?: {
        value: string;
        /** @enum {string} */
        family?: 'ipv4' | 'ipv6';
        location: components['schemas']['SourceLocation'];
      };
      pool?: {
        name: string;
        block: string;
        location: components['schemas']['SourceLocation'];
      };
      record?: {
        /** @enum {string} */
        type?: 'A' | 'AAAA';
        ttl: number;
        /** @enum {string} */
        mode: 'externaldns' | 'manual';
        dnsOnly?: boolean;
        location?: components['schemas']['SourceLocation'];
      };
      peers: {
        expected: number;
        missing: string[];
      };
      status: components['schemas']['DeclaredStatus'];
      counts: components['schemas']['CheckCounts'];
    };
    ClusterSummary: components['schemas']['ClusterFields'] & {
      /** @description The rules whose checks failed, for filtering. */
      failingRules: string[];
    };
    ClusterReport: components['schemas']['ClusterFields'] & {
      checks: components['schemas']['CheckResult'][];
    };
    MeshSummary: {
      clusters: number;
      passing: number;
      warning: number;
      failing: number;
      notEvaluated: number;
      outside: number;
      errors: number;
      warnings: number;
      passed: number;
      notApplicable: number;
      unevaluated: number;
      status: components['schemas']['DeclaredStatus'];
    };
    DetectedConvention: {
      setting: string;
      value: string;
      /** @enum {string} */
      source: 'conventions' | 'detected' | 'default';
      reason: string;
      location?: components['schemas']['SourceLocation'];
    };
    ConventionOverride: {
      what: string;
      source: string;
    };
    /** @description The MeshReport (version 2) with summary rows instead of clusters with checks. */
    SourceReportBody: {
      /** @enum {integer} */
      version: 2;
      clusters: components['schemas']['ClusterSummary'][];
      meshChecks: components['schemas']['CheckResult'][];
      findings: components['schemas']['Finding'][];
      notEvaluated: components['schemas']['Finding'][];
      conventions: components['schemas']['DetectedConvention'][];
      overrides: components['schemas']['ConventionOverride'][];
      summary: components['schemas']['MeshSummary'];
    };
    SourceReport: {
      source: components['schemas']['SourceSummary'];
      /** @description The ref asked for (absent for the configured branch). */
      ref?: string;
      /** @description The revision read (a commit SHA for SCM sources, a content hash for local ones). */
      revision?: string;
      /** @description When that revision was read (ISO 8601). */
      readAt?: string;
      report?: components['schemas']['SourceReportBody'];
      stale?: components['schemas']['StaleState'];
    };
    PeerState: {
      peer: string;
      variable: string;
      value?: string;
      knowsThisCluster: boolean | 'unknown';
    };
    ClusterDetail: {
      source: components['schemas']['SourceSummary'];
      ref?: string;
      revision?: string;
      cluster: components['schemas']['ClusterReport'];
      peers: components['schemas']['PeerState'][];
      findings: components['schemas']['Finding'][];
    };
    AddressUse: {
      address: string;
      usedBy: {
        what: string;
        cluster?: string;
        location?: components['schemas']['SourceLocation'];
      }[];
    };
    ClusterPool: {
      source: components['schemas']['SourceSummary'];
      cluster: string;
      pools: {
        name: string;
        blocks: string[];
        disabled: boolean;
        admitsApiServer: boolean;
        location: components['schemas']['SourceLocation'];
      }[];
      current?: string;
      used: components['schemas']['AddressUse'][];
      free: number;
      suggestion?: string;
    };
    /** @enum {string} */
    LiveCheckId: 'dns-resolves' | 'provider-record' | 'service-ip-assigned';
    LiveCheckResult: {
      check: components['schemas']['LiveCheckId'];
      cluster: string;
      outcome: components['schemas']['CheckOutcome'];
      /** @description What was found, or why it was not checked. Never a secret. */
      message: string;
      observed?: {
        [key: string]: string | number | boolean | string[];
      };
    };
    LiveReport: {
      sourceId: string;
      /** @description When they ran (ISO 8601). */
      ranAt: string;
      revision?: string;
      results: components['schemas']['LiveCheckResult'][];
      /** @description Per cluster, the worst live outcome. */
      status: {
        [key: string]: components['schemas']['DeclaredStatus'];
      };
    };
  };
  responses: {
    /** @description A parameter is invalid; the message says which and why. */
    BadRequest: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description No valid user or service token. */
    Unauthorized: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description The permission framework denied the request. */
    Forbidden: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description No such source, cluster or live result. */
    NotFound: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description A defect of the engine or the plugin (logged with its stack). A repository problem is never a 500: it is a finding, or `stale`. */
    InternalError: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
  };
  parameters: {
    /** @description The source's id (`clustermeshDns.sources[].id`). */
    sourceId: string;
    /** @description The cluster's name (its folder under the clusters path). */
    cluster: string;
    /** @description A branch, tag or commit of a url source (default: the configured branch). Not for local sources. */
    ref: string;
    /** @description An ETag of an earlier answer. */
    ifNoneMatch: string;
  };
  requestBodies: never;
  headers: {
    /** @description Derived from the revision and the answer. */
    ETag: string;
  };
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  ListSources: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The sources. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SourceList'];
        };
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
    };
  };
  MatchRepository: {
    parameters: {
      query: {
        /** @description A repository URL in any of the forms above. */
        repoUrl: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The match. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RepositoryMatch'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
    };
  };
  GetReport: {
    parameters: {
      query?: {
        /** @description A branch, tag or commit of a url source (default: the configured branch). Not for local sources. */
        ref?: components['parameters']['ref'];
      };
      header?: {
        /** @description An ETag of an earlier answer. */
        'If-None-Match'?: components['parameters']['ifNoneMatch'];
      };
      path: {
        /** @description The source's id (`clustermeshDns.sources[].id`). */
        sourceId: components['parameters']['sourceId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The report. */
      200: {
        headers: {
          ETag: components['headers']['ETag'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SourceReport'];
        };
      };
      /** @description Not modified (the ETag given in If-None-Match). */
      304: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      500: components['responses']['InternalError'];
    };
  };
  GetReportConstant: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The source's id (`clustermeshDns.sources[].id`). */
        sourceId: components['parameters']['sourceId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The bytes of the report, as first served. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SourceReport'];
        };
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  GetCluster: {
    parameters: {
      query?: {
        /** @description A branch, tag or commit of a url source (default: the configured branch). Not for local sources. */
        ref?: components['parameters']['ref'];
      };
      header?: {
        /** @description An ETag of an earlier answer. */
        'If-None-Match'?: components['parameters']['ifNoneMatch'];
      };
      path: {
        /** @description The source's id (`clustermeshDns.sources[].id`). */
        sourceId: components['parameters']['sourceId'];
        /** @description The cluster's name (its folder under the clusters path). */
        cluster: components['parameters']['cluster'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The cluster. */
      200: {
        headers: {
          ETag: components['headers']['ETag'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ClusterDetail'];
        };
      };
      /** @description Not modified (the ETag given in If-None-Match). */
      304: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      500: components['responses']['InternalError'];
    };
  };
  GetPool: {
    parameters: {
      query?: {
        /** @description A branch, tag or commit of a url source (default: the configured branch). Not for local sources. */
        ref?: components['parameters']['ref'];
      };
      header?: {
        /** @description An ETag of an earlier answer. */
        'If-None-Match'?: components['parameters']['ifNoneMatch'];
      };
      path: {
        /** @description The source's id (`clustermeshDns.sources[].id`). */
        sourceId: components['parameters']['sourceId'];
        /** @description The cluster's name (its folder under the clusters path). */
        cluster: components['parameters']['cluster'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The pools. */
      200: {
        headers: {
          ETag: components['headers']['ETag'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ClusterPool'];
        };
      };
      /** @description Not modified (the ETag given in If-None-Match). */
      304: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      500: components['responses']['InternalError'];
    };
  };
  RefreshSource: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The source's id (`clustermeshDns.sources[].id`). */
        sourceId: components['parameters']['sourceId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The report after the refresh. */
      200: {
        headers: {
          ETag: components['headers']['ETag'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SourceReport'];
        };
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      500: components['responses']['InternalError'];
    };
  };
  GetLiveChecks: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The source's id (`clustermeshDns.sources[].id`). */
        sourceId: components['parameters']['sourceId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The last live checks. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['LiveReport'];
        };
      };
      /** @description No live checks have run for the source yet. */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  RunLiveChecks: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The source's id (`clustermeshDns.sources[].id`). */
        sourceId: components['parameters']['sourceId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The live checks. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['LiveReport'];
        };
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      500: components['responses']['InternalError'];
    };
  };
}
