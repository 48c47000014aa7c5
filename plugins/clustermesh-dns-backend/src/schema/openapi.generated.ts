// THIS FILE IS GENERATED from openapi.yaml by scripts/openapi-generate.cjs; do not edit.
// Regenerate: cd plugins/clustermesh-dns-backend && node scripts/openapi-generate.cjs
/* eslint-disable */
export const spec = {
  openapi: '3.1.0',
  info: {
    title: 'clustermesh-dns',
    version: '1',
    description:
      "ClusterMesh DNS reports of the GitOps repositories configured in `clustermeshDns.sources`: the declared (offline) checks of every cluster, one cluster with its checks and peers, a cluster's LB IPAM pools with the addresses in use, and the live checks (DNS, the DNS provider's record, the LoadBalancer Service). Every route needs a user or service token; reading needs the permission `clustermesh-dns.report.read`, running live checks `clustermesh-dns.live.run`. No value of a Secret, a SOPS file or of the configured `values` is ever part of an answer.",
    license: {
      name: 'Apache-2.0',
      url: 'http://www.apache.org/licenses/LICENSE-2.0.html',
    },
  },
  servers: [
    {
      url: '/',
    },
  ],
  paths: {
    '/sources': {
      get: {
        operationId: 'ListSources',
        summary: 'Every configured source, with the repository each reads.',
        responses: {
          '200': {
            description: 'The sources.',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/SourceList',
                },
              },
            },
          },
          '401': {
            $ref: '#/components/responses/Unauthorized',
          },
          '403': {
            $ref: '#/components/responses/Forbidden',
          },
        },
      },
    },
    '/sources/match': {
      get: {
        operationId: 'MatchRepository',
        summary: 'The source that reads a repository URL, if any.',
        description:
          "Normalises the URL to its host, owner and repository (GitHub, GitLab, Bitbucket, Azure DevOps and Gitea URL forms, SSH remotes, and the scaffolder RepoUrlPicker's `github.com?owner=o&repo=r`) and returns the source reading that repository. An unmatched repository is answered 200 without `source`; a URL that names no repository 200 without `repository`.",
        parameters: [
          {
            name: 'repoUrl',
            in: 'query',
            required: true,
            description: 'A repository URL in any of the forms above.',
            schema: {
              type: 'string',
              minLength: 1,
              maxLength: 2048,
            },
          },
        ],
        responses: {
          '200': {
            description: 'The match.',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/RepositoryMatch',
                },
              },
            },
          },
          '400': {
            $ref: '#/components/responses/BadRequest',
          },
          '401': {
            $ref: '#/components/responses/Unauthorized',
          },
          '403': {
            $ref: '#/components/responses/Forbidden',
          },
        },
      },
    },
    '/sources/{sourceId}/report': {
      get: {
        operationId: 'GetReport',
        summary: "A source's report, one summary row per cluster.",
        description:
          'Served from the cache, computed off the request path (on a schedule and on refresh). When the last read of the source failed, the last good report is served with `stale` saying why and since when. With `ref`, the report of that branch, tag or commit (url sources only), read once and kept in a small LRU. The ETag is derived from the revision and the report; `If-None-Match` with it gets a 304.',
        parameters: [
          {
            $ref: '#/components/parameters/sourceId',
          },
          {
            $ref: '#/components/parameters/ref',
          },
          {
            $ref: '#/components/parameters/ifNoneMatch',
          },
        ],
        responses: {
          '200': {
            description: 'The report.',
            headers: {
              ETag: {
                $ref: '#/components/headers/ETag',
              },
            },
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/SourceReport',
                },
              },
            },
          },
          '304': {
            description: 'Not modified (the ETag given in If-None-Match).',
          },
          '400': {
            $ref: '#/components/responses/BadRequest',
          },
          '401': {
            $ref: '#/components/responses/Unauthorized',
          },
          '403': {
            $ref: '#/components/responses/Forbidden',
          },
          '404': {
            $ref: '#/components/responses/NotFound',
          },
          '500': {
            $ref: '#/components/responses/InternalError',
          },
        },
      },
    },
    '/sources/{sourceId}/report/constant': {
      get: {
        operationId: 'GetReportConstant',
        summary: 'Benchmark only: the same bytes as the report, as a constant.',
        description:
          'Enabled only by `clustermeshDns.benchmark.constantRoute: true` (otherwise 404). Answers the bytes the report route served first, behind the same authentication, permission and validation, so that a benchmark can compare the report route with a route that does no work.',
        parameters: [
          {
            $ref: '#/components/parameters/sourceId',
          },
        ],
        responses: {
          '200': {
            description: 'The bytes of the report, as first served.',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/SourceReport',
                },
              },
            },
          },
          '401': {
            $ref: '#/components/responses/Unauthorized',
          },
          '403': {
            $ref: '#/components/responses/Forbidden',
          },
          '404': {
            $ref: '#/components/responses/NotFound',
          },
        },
      },
    },
    '/sources/{sourceId}/clusters/{cluster}': {
      get: {
        operationId: 'GetCluster',
        summary:
          'One cluster with its checks, peers and the findings that concern it.',
        parameters: [
          {
            $ref: '#/components/parameters/sourceId',
          },
          {
            $ref: '#/components/parameters/cluster',
          },
          {
            $ref: '#/components/parameters/ref',
          },
          {
            $ref: '#/components/parameters/ifNoneMatch',
          },
        ],
        responses: {
          '200': {
            description: 'The cluster.',
            headers: {
              ETag: {
                $ref: '#/components/headers/ETag',
              },
            },
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/ClusterDetail',
                },
              },
            },
          },
          '304': {
            description: 'Not modified (the ETag given in If-None-Match).',
          },
          '400': {
            $ref: '#/components/responses/BadRequest',
          },
          '401': {
            $ref: '#/components/responses/Unauthorized',
          },
          '403': {
            $ref: '#/components/responses/Forbidden',
          },
          '404': {
            $ref: '#/components/responses/NotFound',
          },
          '500': {
            $ref: '#/components/responses/InternalError',
          },
        },
      },
    },
    '/sources/{sourceId}/clusters/{cluster}/pool': {
      get: {
        operationId: 'GetPool',
        summary:
          "A cluster's LB IPAM pools, the addresses in use and a free one.",
        parameters: [
          {
            $ref: '#/components/parameters/sourceId',
          },
          {
            $ref: '#/components/parameters/cluster',
          },
          {
            $ref: '#/components/parameters/ref',
          },
          {
            $ref: '#/components/parameters/ifNoneMatch',
          },
        ],
        responses: {
          '200': {
            description: 'The pools.',
            headers: {
              ETag: {
                $ref: '#/components/headers/ETag',
              },
            },
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/ClusterPool',
                },
              },
            },
          },
          '304': {
            description: 'Not modified (the ETag given in If-None-Match).',
          },
          '400': {
            $ref: '#/components/responses/BadRequest',
          },
          '401': {
            $ref: '#/components/responses/Unauthorized',
          },
          '403': {
            $ref: '#/components/responses/Forbidden',
          },
          '404': {
            $ref: '#/components/responses/NotFound',
          },
          '500': {
            $ref: '#/components/responses/InternalError',
          },
        },
      },
    },
    '/sources/{sourceId}/refresh': {
      post: {
        operationId: 'RefreshSource',
        summary: 'Reads the source again now and answers its report.',
        description:
          'The scheduled refresh, on demand. An unchanged SCM source costs one conditional request and no validation.',
        parameters: [
          {
            $ref: '#/components/parameters/sourceId',
          },
        ],
        responses: {
          '200': {
            description: 'The report after the refresh.',
            headers: {
              ETag: {
                $ref: '#/components/headers/ETag',
              },
            },
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/SourceReport',
                },
              },
            },
          },
          '401': {
            $ref: '#/components/responses/Unauthorized',
          },
          '403': {
            $ref: '#/components/responses/Forbidden',
          },
          '404': {
            $ref: '#/components/responses/NotFound',
          },
          '500': {
            $ref: '#/components/responses/InternalError',
          },
        },
      },
    },
    '/sources/{sourceId}/live': {
      get: {
        operationId: 'GetLiveChecks',
        summary: 'The last live checks of a source, with when they ran.',
        parameters: [
          {
            $ref: '#/components/parameters/sourceId',
          },
        ],
        responses: {
          '200': {
            description: 'The last live checks.',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/LiveReport',
                },
              },
            },
          },
          '204': {
            description: 'No live checks have run for the source yet.',
          },
          '401': {
            $ref: '#/components/responses/Unauthorized',
          },
          '403': {
            $ref: '#/components/responses/Forbidden',
          },
          '404': {
            $ref: '#/components/responses/NotFound',
          },
        },
      },
      post: {
        operationId: 'RunLiveChecks',
        summary:
          'Runs the live checks of a source now (permission clustermesh-dns.live.run).',
        description:
          "DNS queries against the configured resolvers (at most 16 in flight, a per-query timeout, a resolver that times out once is not asked again in this run), the DNS provider's record and the clustermesh-apiserver Service through the Kubernetes plugin, where configured. The results are kept beside the report.",
        parameters: [
          {
            $ref: '#/components/parameters/sourceId',
          },
        ],
        responses: {
          '200': {
            description: 'The live checks.',
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/LiveReport',
                },
              },
            },
          },
          '401': {
            $ref: '#/components/responses/Unauthorized',
          },
          '403': {
            $ref: '#/components/responses/Forbidden',
          },
          '404': {
            $ref: '#/components/responses/NotFound',
          },
          '500': {
            $ref: '#/components/responses/InternalError',
          },
        },
      },
    },
  },
  components: {
    parameters: {
      sourceId: {
        name: 'sourceId',
        in: 'path',
        required: true,
        description: "The source's id (`clustermeshDns.sources[].id`).",
        schema: {
          type: 'string',
          pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
        },
      },
      cluster: {
        name: 'cluster',
        in: 'path',
        required: true,
        description: "The cluster's name (its folder under the clusters path).",
        schema: {
          type: 'string',
          minLength: 1,
          maxLength: 253,
          pattern: '^[A-Za-z0-9._-]+$',
        },
      },
      ref: {
        name: 'ref',
        in: 'query',
        required: false,
        description:
          'A branch, tag or commit of a url source (default: the configured branch). Not for local sources.',
        schema: {
          type: 'string',
          minLength: 1,
          maxLength: 255,
          pattern: '^(?!.*\\.\\.)(?!/)(?!.*//)[A-Za-z0-9._/+-]+$',
        },
      },
      ifNoneMatch: {
        name: 'If-None-Match',
        in: 'header',
        required: false,
        description: 'An ETag of an earlier answer.',
        schema: {
          type: 'string',
        },
      },
    },
    headers: {
      ETag: {
        description: 'Derived from the revision and the answer.',
        schema: {
          type: 'string',
        },
      },
    },
    responses: {
      BadRequest: {
        description: 'A parameter is invalid; the message says which and why.',
        content: {
          'application/json': {
            schema: {
              $ref: '#/components/schemas/Error',
            },
          },
        },
      },
      Unauthorized: {
        description: 'No valid user or service token.',
        content: {
          'application/json': {
            schema: {
              $ref: '#/components/schemas/Error',
            },
          },
        },
      },
      Forbidden: {
        description: 'The permission framework denied the request.',
        content: {
          'application/json': {
            schema: {
              $ref: '#/components/schemas/Error',
            },
          },
        },
      },
      NotFound: {
        description: 'No such source, cluster or live result.',
        content: {
          'application/json': {
            schema: {
              $ref: '#/components/schemas/Error',
            },
          },
        },
      },
      InternalError: {
        description:
          'A defect of the engine or the plugin (logged with its stack). A repository problem is never a 500: it is a finding, or `stale`.',
        content: {
          'application/json': {
            schema: {
              $ref: '#/components/schemas/Error',
            },
          },
        },
      },
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['name', 'message'],
            properties: {
              name: {
                type: 'string',
              },
              message: {
                type: 'string',
              },
            },
          },
          request: {
            type: 'object',
            properties: {
              method: {
                type: 'string',
              },
              url: {
                type: 'string',
              },
            },
          },
          response: {
            type: 'object',
            properties: {
              statusCode: {
                type: 'integer',
              },
            },
          },
        },
      },
      SourceLocation: {
        type: 'object',
        required: ['file', 'line'],
        properties: {
          file: {
            type: 'string',
            description:
              'Repository path, POSIX, relative to the repository root.',
          },
          line: {
            type: 'integer',
            minimum: 1,
          },
        },
      },
      Severity: {
        type: 'string',
        enum: ['error', 'warning', 'info'],
      },
      CheckOutcome: {
        type: 'string',
        enum: ['pass', 'fail', 'not-applicable', 'not-evaluated'],
      },
      DeclaredStatus: {
        type: 'string',
        enum: ['pass', 'warn', 'fail', 'not-evaluated', 'outside'],
      },
      RepositoryRef: {
        type: 'object',
        additionalProperties: false,
        required: ['host', 'owner', 'name', 'url'],
        properties: {
          host: {
            type: 'string',
            description: 'Lower case, without port 443.',
          },
          owner: {
            type: 'string',
            description:
              'Owner, group or organisation (GitLab subgroups joined by `/`).',
          },
          name: {
            type: 'string',
            description: "The repository's name, without `.git`.",
          },
          url: {
            type: 'string',
            description: "The repository's web URL.",
          },
        },
      },
      SourceSummary: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'title', 'type', 'catalog', 'liveChecks'],
        properties: {
          id: {
            type: 'string',
          },
          title: {
            type: 'string',
          },
          type: {
            type: 'string',
            enum: ['local', 'url'],
          },
          repository: {
            $ref: '#/components/schemas/RepositoryRef',
          },
          branch: {
            type: 'string',
            description: 'The branch read on schedule (url sources).',
          },
          treeUrl: {
            type: 'string',
            description:
              "The repository's web URL at that branch, for links to files (url sources).",
          },
          catalog: {
            type: 'boolean',
            description: 'Whether its clusters are emitted into the catalog.',
          },
          liveChecks: {
            type: 'object',
            additionalProperties: false,
            required: ['dns', 'provider', 'service'],
            properties: {
              dns: {
                type: 'boolean',
              },
              provider: {
                type: 'boolean',
              },
              service: {
                type: 'boolean',
              },
            },
          },
        },
      },
      SourceList: {
        type: 'object',
        additionalProperties: false,
        required: ['items'],
        properties: {
          items: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/SourceSummary',
            },
          },
        },
      },
      RepositoryMatch: {
        type: 'object',
        additionalProperties: false,
        properties: {
          repository: {
            $ref: '#/components/schemas/RepositoryRef',
          },
          source: {
            $ref: '#/components/schemas/SourceSummary',
          },
        },
      },
      StaleState: {
        type: 'object',
        additionalProperties: false,
        required: ['error', 'since'],
        properties: {
          error: {
            type: 'string',
            description:
              'Why the last read failed (a repository problem, never a secret).',
          },
          since: {
            type: 'string',
            description: 'When reads started failing (ISO 8601).',
          },
        },
      },
      CheckResult: {
        type: 'object',
        required: ['ruleId', 'outcome', 'severity', 'message'],
        properties: {
          ruleId: {
            type: 'string',
          },
          outcome: {
            $ref: '#/components/schemas/CheckOutcome',
          },
          severity: {
            $ref: '#/components/schemas/Severity',
          },
          cluster: {
            type: 'string',
          },
          message: {
            type: 'string',
          },
          location: {
            $ref: '#/components/schemas/SourceLocation',
          },
          remediation: {
            type: 'string',
          },
          cause: {
            type: 'string',
          },
        },
      },
      Finding: {
        type: 'object',
        required: ['id', 'code', 'severity', 'message'],
        properties: {
          id: {
            type: 'string',
          },
          code: {
            type: 'string',
          },
          severity: {
            $ref: '#/components/schemas/Severity',
          },
          message: {
            type: 'string',
          },
          location: {
            $ref: '#/components/schemas/SourceLocation',
          },
          unlocated: {
            type: 'string',
          },
          cluster: {
            type: 'string',
          },
          affects: {
            type: 'object',
            required: ['count', 'clusters', 'examples'],
            properties: {
              count: {
                type: 'integer',
              },
              clusters: {
                type: 'array',
                items: {
                  type: 'string',
                },
              },
              examples: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['location', 'what'],
                  properties: {
                    location: {
                      $ref: '#/components/schemas/SourceLocation',
                    },
                    what: {
                      type: 'string',
                    },
                  },
                },
              },
            },
          },
        },
      },
      CheckCounts: {
        type: 'object',
        required: [
          'passed',
          'failed',
          'warnings',
          'notApplicable',
          'notEvaluated',
        ],
        properties: {
          passed: {
            type: 'integer',
          },
          failed: {
            type: 'integer',
          },
          warnings: {
            type: 'integer',
          },
          notApplicable: {
            type: 'integer',
          },
          notEvaluated: {
            type: 'integer',
          },
        },
      },
      ClusterFields: {
        description:
          "The fields of a cluster's row that the summary and the detail share.",
        type: 'object',
        required: [
          'name',
          'dir',
          'entry',
          'membership',
          'peers',
          'status',
          'counts',
        ],
        properties: {
          name: {
            type: 'string',
          },
          dir: {
            type: 'string',
          },
          entry: {
            type: 'string',
          },
          membership: {
            type: 'object',
            required: ['member', 'reason'],
            properties: {
              member: {
                type: 'boolean',
              },
              unknown: {
                type: 'boolean',
                enum: [true],
                description:
                  'Set where whether it is in the mesh could not be read (member is then false and no check ran for it).',
              },
              reason: {
                type: 'string',
              },
              location: {
                $ref: '#/components/schemas/SourceLocation',
              },
            },
          },
          fqdn: {
            type: 'object',
            required: ['template', 'resolved', 'secret', 'location'],
            properties: {
              template: {
                type: 'string',
              },
              resolved: {
                type: 'string',
                description:
                  'As Flux inserts it; secret parts as `<secret:NAME>`.',
              },
              secret: {
                type: 'boolean',
              },
              location: {
                $ref: '#/components/schemas/SourceLocation',
              },
            },
          },
          lbIp: {
            type: 'object',
            required: ['value', 'location'],
            properties: {
              value: {
                type: 'string',
              },
              family: {
                type: 'string',
                enum: ['ipv4', 'ipv6'],
              },
              location: {
                $ref: '#/components/schemas/SourceLocation',
              },
            },
          },
          pool: {
            type: 'object',
            required: ['name', 'block', 'location'],
            properties: {
              name: {
                type: 'string',
              },
              block: {
                type: 'string',
              },
              location: {
                $ref: '#/components/schemas/SourceLocation',
              },
            },
          },
          record: {
            type: 'object',
            required: ['ttl', 'mode'],
            properties: {
              type: {
                type: 'string',
                enum: ['A', 'AAAA'],
              },
              ttl: {
                type: 'integer',
              },
              mode: {
                type: 'string',
                enum: ['externaldns', 'manual'],
              },
              dnsOnly: {
                type: 'boolean',
              },
              location: {
                $ref: '#/components/schemas/SourceLocation',
              },
            },
          },
          peers: {
            type: 'object',
            required: ['expected', 'missing'],
            properties: {
              expected: {
                type: 'integer',
              },
              missing: {
                type: 'array',
                items: {
                  type: 'string',
                },
              },
            },
          },
          status: {
            $ref: '#/components/schemas/DeclaredStatus',
          },
          counts: {
            $ref: '#/components/schemas/CheckCounts',
          },
        },
      },
      ClusterSummary: {
        allOf: [
          {
            $ref: '#/components/schemas/ClusterFields',
          },
          {
            type: 'object',
            required: ['failingRules'],
            properties: {
              failingRules: {
                type: 'array',
                description: 'The rules whose checks failed, for filtering.',
                items: {
                  type: 'string',
                },
              },
            },
          },
        ],
      },
      ClusterReport: {
        allOf: [
          {
            $ref: '#/components/schemas/ClusterFields',
          },
          {
            type: 'object',
            required: ['checks'],
            properties: {
              checks: {
                type: 'array',
                items: {
                  $ref: '#/components/schemas/CheckResult',
                },
              },
            },
          },
        ],
      },
      MeshSummary: {
        type: 'object',
        required: [
          'clusters',
          'passing',
          'warning',
          'failing',
          'notEvaluated',
          'outside',
          'errors',
          'warnings',
          'passed',
          'notApplicable',
          'unevaluated',
          'status',
        ],
        properties: {
          clusters: {
            type: 'integer',
          },
          passing: {
            type: 'integer',
          },
          warning: {
            type: 'integer',
          },
          failing: {
            type: 'integer',
          },
          notEvaluated: {
            type: 'integer',
          },
          outside: {
            type: 'integer',
          },
          errors: {
            type: 'integer',
          },
          warnings: {
            type: 'integer',
          },
          passed: {
            type: 'integer',
          },
          notApplicable: {
            type: 'integer',
          },
          unevaluated: {
            type: 'integer',
          },
          status: {
            $ref: '#/components/schemas/DeclaredStatus',
          },
        },
      },
      DetectedConvention: {
        type: 'object',
        required: ['setting', 'value', 'source', 'reason'],
        properties: {
          setting: {
            type: 'string',
          },
          value: {
            type: 'string',
          },
          source: {
            type: 'string',
            enum: ['conventions', 'detected', 'default'],
          },
          reason: {
            type: 'string',
          },
          location: {
            $ref: '#/components/schemas/SourceLocation',
          },
        },
      },
      ConventionOverride: {
        type: 'object',
        required: ['what', 'source'],
        properties: {
          what: {
            type: 'string',
          },
          source: {
            type: 'string',
          },
        },
      },
      SourceReportBody: {
        description:
          'The MeshReport (version 2) with summary rows instead of clusters with checks.',
        type: 'object',
        required: [
          'version',
          'clusters',
          'meshChecks',
          'findings',
          'notEvaluated',
          'conventions',
          'overrides',
          'summary',
        ],
        properties: {
          version: {
            type: 'integer',
            enum: [2],
          },
          clusters: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/ClusterSummary',
            },
          },
          meshChecks: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/CheckResult',
            },
          },
          findings: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/Finding',
            },
          },
          notEvaluated: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/Finding',
            },
          },
          conventions: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/DetectedConvention',
            },
          },
          overrides: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/ConventionOverride',
            },
          },
          summary: {
            $ref: '#/components/schemas/MeshSummary',
          },
        },
      },
      SourceReport: {
        type: 'object',
        additionalProperties: false,
        required: ['source'],
        properties: {
          source: {
            $ref: '#/components/schemas/SourceSummary',
          },
          ref: {
            type: 'string',
            description:
              'The ref asked for (absent for the configured branch).',
          },
          revision: {
            type: 'string',
            description:
              'The revision read (a commit SHA for SCM sources, a content hash for local ones).',
          },
          readAt: {
            type: 'string',
            description: 'When that revision was read (ISO 8601).',
          },
          report: {
            $ref: '#/components/schemas/SourceReportBody',
          },
          stale: {
            $ref: '#/components/schemas/StaleState',
          },
        },
      },
      PeerState: {
        type: 'object',
        additionalProperties: false,
        required: ['peer', 'variable', 'knowsThisCluster'],
        properties: {
          peer: {
            type: 'string',
          },
          variable: {
            type: 'string',
          },
          value: {
            type: 'string',
          },
          knowsThisCluster: {
            oneOf: [
              {
                type: 'boolean',
              },
              {
                type: 'string',
                enum: ['unknown'],
              },
            ],
          },
        },
      },
      ClusterDetail: {
        type: 'object',
        additionalProperties: false,
        required: ['source', 'cluster', 'peers', 'findings'],
        properties: {
          source: {
            $ref: '#/components/schemas/SourceSummary',
          },
          ref: {
            type: 'string',
          },
          revision: {
            type: 'string',
          },
          cluster: {
            $ref: '#/components/schemas/ClusterReport',
          },
          peers: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/PeerState',
            },
          },
          findings: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/Finding',
            },
          },
        },
      },
      AddressUse: {
        type: 'object',
        additionalProperties: false,
        required: ['address', 'usedBy'],
        properties: {
          address: {
            type: 'string',
          },
          usedBy: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['what'],
              properties: {
                what: {
                  type: 'string',
                },
                cluster: {
                  type: 'string',
                },
                location: {
                  $ref: '#/components/schemas/SourceLocation',
                },
              },
            },
          },
        },
      },
      ClusterPool: {
        type: 'object',
        additionalProperties: false,
        required: ['source', 'cluster', 'pools', 'used', 'free'],
        properties: {
          source: {
            $ref: '#/components/schemas/SourceSummary',
          },
          cluster: {
            type: 'string',
          },
          pools: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: [
                'name',
                'blocks',
                'disabled',
                'admitsApiServer',
                'location',
              ],
              properties: {
                name: {
                  type: 'string',
                },
                blocks: {
                  type: 'array',
                  items: {
                    type: 'string',
                  },
                },
                disabled: {
                  type: 'boolean',
                },
                admitsApiServer: {
                  type: 'boolean',
                },
                location: {
                  $ref: '#/components/schemas/SourceLocation',
                },
              },
            },
          },
          current: {
            type: 'string',
          },
          used: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/AddressUse',
            },
          },
          free: {
            type: 'integer',
            minimum: 0,
          },
          suggestion: {
            type: 'string',
          },
        },
      },
      LiveCheckId: {
        type: 'string',
        enum: ['dns-resolves', 'provider-record', 'service-ip-assigned'],
      },
      LiveCheckResult: {
        type: 'object',
        additionalProperties: false,
        required: ['check', 'cluster', 'outcome', 'message'],
        properties: {
          check: {
            $ref: '#/components/schemas/LiveCheckId',
          },
          cluster: {
            type: 'string',
          },
          outcome: {
            $ref: '#/components/schemas/CheckOutcome',
          },
          message: {
            type: 'string',
            description:
              'What was found, or why it was not checked. Never a secret.',
          },
          observed: {
            type: 'object',
            additionalProperties: {
              oneOf: [
                {
                  type: 'string',
                },
                {
                  type: 'number',
                },
                {
                  type: 'boolean',
                },
                {
                  type: 'array',
                  items: {
                    type: 'string',
                  },
                },
              ],
            },
          },
        },
      },
      LiveReport: {
        type: 'object',
        additionalProperties: false,
        required: ['sourceId', 'ranAt', 'results', 'status'],
        properties: {
          sourceId: {
            type: 'string',
          },
          ranAt: {
            type: 'string',
            description: 'When they ran (ISO 8601).',
          },
          revision: {
            type: 'string',
          },
          results: {
            type: 'array',
            items: {
              $ref: '#/components/schemas/LiveCheckResult',
            },
          },
          status: {
            type: 'object',
            description: 'Per cluster, the worst live outcome.',
            additionalProperties: {
              $ref: '#/components/schemas/DeclaredStatus',
            },
          },
        },
      },
    },
  },
} as const;
