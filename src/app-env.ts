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
    /** Per-vendor outcome of a /conversations request, for its log line. */
    outcome?: VendorOutcome[];
    /** The problem a refusal or failure answered with, for the request's log line. */
    problem?: { code: string; invalidParams?: string[] };
    /** The metrics' route label, when a guard answered before routing could say (405, non-canonical path). */
    route?: string;
  };
}

/** One vendor's part in a request, as logged. */
export interface VendorOutcome {
  vendor: string;
  status: 'ok' | 'error' | 'skipped';
  /** live, or served from the vendor's mirror. */
  mode: 'live' | 'mirror';
  code?: string;
  /** A failed vendor: its (redacted) message, which names the path, and the origin it was called at. */
  message?: string;
  origin?: string;
  fetched: number;
  dropped: number;
  retries: number;
  ms: number;
}
