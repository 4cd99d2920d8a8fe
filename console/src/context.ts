/** What every page reads: the settings, the API wrapper and whether the person may change anything. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { AdminApi } from './api';
import type { SignedIn } from './auth';
import type { ConsoleConfig } from './config';

export interface ConsoleContext {
  config: ConsoleConfig;
  api: AdminApi;
  session: SignedIn;
  /** Only `admin:read`: pages render no write controls. */
  readOnly: boolean;
}

export const Console = createContext<ConsoleContext | undefined>(undefined);

export function useConsole(): ConsoleContext {
  const value = useContext(Console);
  if (value === undefined) throw new Error('outside the console');
  return value;
}
