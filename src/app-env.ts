/** The caller, once `clientAuth` has recognised its API key. */
export interface ApiClient {
  id: string;
  /** The only vendors this client may read; absent: every vendor. */
  vendors?: string[];
}

/** Per-request variables every route can read. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** Set on authenticated routes when auth is on; absent when it is off. */
    client?: ApiClient;
  };
}
