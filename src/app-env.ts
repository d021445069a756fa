/** Per-request variables every route can read. */
export interface AppEnv {
  Variables: {
    requestId: string;
  };
}
