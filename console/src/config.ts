/** The settings the server put into the page's `<meta name="idp-console">` (console-endpoint.ts). */
export interface ConsoleConfig {
  issuer: string;
  displayName: string;
  stage: string;
  clientId: string;
}

/** Reads and checks the settings; a page without them is a server fault, said so plainly. */
export function parseConfig(content: string | null | undefined): ConsoleConfig {
  if (content === null || content === undefined || content === '') throw new Error('the page has no console settings');
  const value = JSON.parse(content) as Partial<Record<keyof ConsoleConfig, unknown>>;
  const fields = ['issuer', 'displayName', 'stage', 'clientId'] as const;
  for (const field of fields) {
    if (typeof value[field] !== 'string' || value[field] === '') throw new Error(`the console settings lack ${field}`);
  }
  return value as ConsoleConfig;
}
