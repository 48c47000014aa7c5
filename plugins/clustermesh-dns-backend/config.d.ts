export interface Config {
  /** ClusterMesh DNS backend plugin. */
  clustermeshDns?: {
    /**
     * GitOps repositories whose ClusterMesh DNS configuration is validated.
     */
    sources?: Array<{
      /** Stable id, used in URLs and in the catalog annotation `clustermesh-dns.io/source`. */
      id: string;
      /** Human title. */
      title?: string;
      /** `local`: a folder on the backend host. */
      type: 'local';
      /** The folder; relative paths are resolved from the backend's working directory. */
      target: string;
      /** Conventions file for this source (default: `.clustermesh-dns.yaml` at the repository root, if any). */
      conventionsFile?: string;
    }>;
  };
}
