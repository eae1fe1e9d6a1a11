/**
 * Typed contexts of the app: the signed-in workspace and the router, set once
 * by the shell and read by screens.
 */
import { createContext } from 'svelte';
import type { Workspace } from '../lib/Workspace';
import type { SeenOutcomes } from '../lib/proposals';
import type { Router } from './router.svelte';

/** What the signed-in part of the app shares. */
export interface AppContext {
  readonly ws: Workspace;
  readonly seen: SeenOutcomes;
  /** Signs out (the shell asks for confirmation first when work is pending). */
  signOut(): Promise<void>;
}

export const [getApp, setApp] = createContext<AppContext>();
export const [getRouter, setRouter] = createContext<Router>();
